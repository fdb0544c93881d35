package dev.dropscope.netlink;

import dev.dropscope.testutil.Needs;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.netlink.route.Link;
import dev.dropscope.netlink.route.Links;
import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Netns;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * NLM_F_DUMP_INTR on the real kernel: a namespace with enough bridges that RTM_GETLINK takes several
 * datagrams, and a link added (by ip, in that namespace) between two of them. The kernel marks the later
 * parts interrupted; {@link NetlinkSocket#dump} throws that dump away and asks again, and when the table
 * changes during every attempt it fails in one line instead of returning a mix.
 */
@Needs(root = true, tools = {"ip"})
class DumpInterruptKernelTest {
    private static final Syscalls SYS = Syscalls.get();
    private static final int LINKS = 120;
    private static Netns ns;

    @BeforeAll
    static void namespace() throws IOException {
        ns = Netns.create("dumpintr");
        List<String> add = new ArrayList<>();
        for (int i = 0; i < LINKS; i++) {
            add.add("link add b" + i + " type bridge");
        }
        ns.ipBatch(add);
    }

    @AfterAll
    static void cleanup() throws IOException {
        if (ns != null) {
            ns.close();
        }
    }

    /** The real syscalls; after the first datagram of a dump's first {@code changes} attempts, adds a link. */
    private static Syscalls changingDuring(int changes, AtomicInteger sends, AtomicInteger added) {
        AtomicInteger datagrams = new AtomicInteger();
        return (Syscalls) Proxy.newProxyInstance(Syscalls.class.getClassLoader(), new Class<?>[] {Syscalls.class},
                (proxy, method, args) -> {
                    Object r;
                    try {
                        r = method.invoke(SYS, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("sendto")) {
                        sends.incrementAndGet();
                        datagrams.set(0);
                    } else if (method.getName().equals("recvmsg") && (Long) r > 0
                            && datagrams.incrementAndGet() == 1 && added.get() < changes) {
                        ns.ip("link", "add", "new" + added.getAndIncrement(), "type", "bridge");
                    }
                    return r;
                });
    }

    private static NetlinkSocket rtnl(Syscalls sys) throws Exception {
        return ns.inside(SYS, () -> NetlinkSocket.open(sys, NetlinkConstants.NETLINK_ROUTE));
    }

    @Test
    void aDumpThatRacedAChangeIsAskedAgainAndComesBackWhole() throws Exception {
        AtomicInteger sends = new AtomicInteger();
        AtomicInteger added = new AtomicInteger();
        List<Link> links;
        try (NetlinkSocket s = rtnl(changingDuring(1, sends, added))) {
            links = Links.query(s);
        } finally {
            if (added.get() > 0) {
                ns.ip("link", "del", "new0");
            }
        }
        assertEquals(1, added.get());
        assertEquals(2, sends.get(), "the interrupted dump was asked again once");
        Set<String> names = new TreeSet<>();
        links.forEach(l -> names.add(l.name()));
        assertEquals(links.size(), names.size(), "no link listed twice");
        assertEquals(LINKS + 2, links.size(), "lo, the dummies and the one added meanwhile: " + names);
        assertTrue(names.contains("new0"));
    }

    @Test
    void aTableThatChangesDuringEveryDumpFailsInOneLine() throws Exception {
        AtomicInteger sends = new AtomicInteger();
        AtomicInteger added = new AtomicInteger();
        try (NetlinkSocket s = rtnl(changingDuring(Integer.MAX_VALUE, sends, added))) {
            DumpInterruptedException e = assertThrows(DumpInterruptedException.class, () -> Links.query(s));
            assertEquals("RTM_GETLINK dump: the table changed during each of 5 dumps (NLM_F_DUMP_INTR); "
                    + "no consistent answer", e.getMessage());
        } finally {
            for (int i = 0; i < added.get(); i++) {
                ns.ip("link", "del", "new" + i);
            }
        }
        assertEquals(NetlinkSocket.DUMP_ATTEMPTS, sends.get());
    }
}
