package dev.dropscope.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.dropscope.sys.Syscalls;
import dev.dropscope.testutil.Needs;
import dev.dropscope.testutil.Netns;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** Device names dumped inside a namespace entered by the file a locator gives, checked by its inode. */
@Needs(root = true, tools = {"ip"})
class NetnsInterfacesTest {
    private static final Syscalls SYS = Syscalls.get();

    @Test
    void namesComeFromInsideTheNamespaceAndAWrongFileNamesNothing() throws Exception {
        try (Netns ns = Netns.create("ifnames")) {
            ns.ip("link", "add", "ds16d", "type", "veth", "peer", "name", "ds16p");
            Path file = Path.of("/run/netns", ns.name());
            long inode = (Long) Files.getAttribute(file, "unix:ino");
            String line = ns.ip("-o", "link", "show", "dev", "ds16d").strip();
            int ifindex = Integer.parseInt(line.substring(0, line.indexOf(':')));
            AtomicLong now = new AtomicLong();
            NetnsInterfaces names = new NetnsInterfaces(SYS, i -> i == inode ? file : null, now::get);
            assertEquals("ds16d", names.name(inode, ifindex));
            assertEquals("lo", names.name(inode, 1));
            assertEquals(ifindex, names.ifindex(inode, "ds16d"));
            assertEquals(-1, names.ifindex(inode, "ds16x"));
            // a device made later: named once the refresh interval has passed, not before
            ns.ip("link", "add", "ds16e", "type", "veth", "peer", "name", "ds16f");
            String e = ns.ip("-o", "link", "show", "dev", "ds16e").strip();
            int later = Integer.parseInt(e.substring(0, e.indexOf(':')));
            assertNull(names.name(inode, later));
            now.addAndGet(NetnsInterfaces.REFRESH_NS);
            assertEquals("ds16e", names.name(inode, later));
            // a locator's file that is another namespace (a reused pid, say) names nothing
            NetnsInterfaces wrong = new NetnsInterfaces(SYS, i -> Path.of("/proc/self/ns/net"), now::get);
            assertNull(wrong.name(inode, 1), "our own lo would be named without the inode check");
            assertNull(new NetnsInterfaces(SYS, i -> null, now::get).name(inode, 1), "nowhere to enter");
        }
    }
}
