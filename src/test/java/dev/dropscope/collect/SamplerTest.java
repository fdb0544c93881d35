package dev.dropscope.collect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.dropscope.model.CollectorError;
import dev.dropscope.model.Snapshot;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** The sampling loop with fake collectors: a stuck or failing one never costs the others their values. */
class SamplerTest {
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void unblock() {
        release.countDown();
    }

    /** Sets snmp to {"Fake.Calls": n}. */
    static final class Counting implements Collector {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String name() {
            return "counting";
        }

        @Override
        public void collect(Snapshot.Builder into) {
            into.snmp(Map.of("Fake.Calls", (long) calls.incrementAndGet()));
        }
    }

    /** Fails with a one-line message. */
    static final class Failing implements Collector {
        @Override
        public String name() {
            return "conntrack";
        }

        @Override
        public void collect(Snapshot.Builder into) throws Exception {
            throw new java.io.IOException("permission denied");
        }
    }

    /** Succeeds the first time (sysctl a=1), then blocks until the test ends. */
    final class StuckAfterFirst implements Collector {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public String name() {
            return "slow";
        }

        @Override
        public void collect(Snapshot.Builder into) throws InterruptedException {
            if (calls.incrementAndGet() > 1) {
                release.await();
            }
            into.sysctl(Map.of("a", "1"));
        }
    }

    @Test
    void aFailingCollectorIsRecordedAndTheOthersDeliver() throws Exception {
        try (Sampler s = new Sampler(List.of(new Counting(), new Failing()), NetnsScope.current(), Duration.ofSeconds(30))) {
            Snapshot snap = s.sample();
            assertEquals(Map.of("Fake.Calls", 1L), snap.snmp());
            assertEquals(List.of(new CollectorError("conntrack", "permission denied")), snap.errors());
            assertEquals("conntrack: permission denied", snap.errors().get(0).toString());
        }
    }

    @Test
    void aStuckCollectorTimesOutAloneAndItsPreviousValueIsReused() throws Exception {
        Counting counting = new Counting();
        StuckAfterFirst slow = new StuckAfterFirst();
        try (Sampler s = new Sampler(List.of(counting, slow), NetnsScope.current(), Duration.ofSeconds(1))) {
            Snapshot first = s.sample();
            assertEquals(Map.of("a", "1"), first.sysctl());
            assertEquals(List.of(), first.errors());

            Snapshot second = s.sample(); // slow now blocks until the test ends
            assertEquals(Map.of("Fake.Calls", 2L), second.snmp(), "the other collector went on");
            assertEquals(Map.of("a", "1"), second.sysctl(), "previous value reused");
            assertEquals(1, second.errors().size());
            assertEquals("slow", second.errors().get(0).collector());
            assertTrue(second.errors().get(0).message().startsWith("timed out after "), second.errors().toString());
            assertTrue(second.errors().get(0).message().endsWith("(previous value reused)"));

            Snapshot third = s.sample(); // still stuck: not started again, still reported, counting goes on
            assertEquals(Map.of("Fake.Calls", 3L), third.snmp());
            assertTrue(third.errors().get(0).message().startsWith("still running after "), third.errors().toString());
            assertEquals(2, slow.calls.get(), "a collector still running is not started a second time");
        }
    }

    @Test
    void aCollectorStuckFromTheStartReportsNoValue() throws Exception {
        Collector stuck = new Collector() {
            @Override
            public String name() {
                return "neighbour";
            }

            @Override
            public void collect(Snapshot.Builder into) throws InterruptedException {
                release.await();
            }
        };
        try (Sampler s = new Sampler(List.of(stuck, new Counting()), NetnsScope.current(), Duration.ofSeconds(1))) {
            Snapshot snap = s.sample();
            assertEquals(Map.of("Fake.Calls", 1L), snap.snmp());
            assertTrue(snap.neighbour().isEmpty());
            assertTrue(snap.errors().get(0).message().startsWith("timed out after "), snap.errors().toString());
        }
    }

    /** Records the thread it ran on. */
    static final class Where implements Collector {
        final java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        private final String name;

        Where(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public void collect(Snapshot.Builder into) {
            threads.add(Thread.currentThread());
        }
    }

    @Test
    void collectorsShareOneWorkerUntilOneOverrunsThenTheRestMoveToAFreshOne() throws Exception {
        Where a = new Where("a");
        Where b = new Where("b");
        StuckAfterFirst slow = new StuckAfterFirst();
        Where c = new Where("c");
        try (Sampler s = new Sampler(List.of(a, b, slow, c), NetnsScope.current(), Duration.ofMillis(300))) {
            s.sample();
            java.util.Set<Thread> all = new java.util.HashSet<>(a.threads);
            all.addAll(b.threads);
            all.addAll(c.threads);
            assertEquals(1, all.size(), "one worker for every collector: " + all);
            assertTrue(s.lastDurations().keySet().containsAll(List.of("a", "b", "c", "slow")), s.lastDurations().toString());

            Snapshot second = s.sample(); // slow blocks its worker now: c still runs, on a fresh worker
            assertEquals(2, c.threads.size(), "c moved to a new worker after slow overran");
            assertEquals(1, second.errors().size(), second.errors().toString());
            assertEquals("slow", second.errors().get(0).collector());
            s.sample(); // slow still stuck on the retired worker: the others stay on the fresh one
            assertEquals(2, c.threads.size());
            assertTrue(a.threads.containsAll(c.threads) && a.threads.size() == 2, "a too: " + a.threads);
        }
    }

    /**
     * close() never closes a collector while its collect() is still running (a socket closed under a
     * blocked recv gives its number to the next open): the collector's own thread closes it when that
     * collect returns. Here collect ignores the interrupt, as a recv in the kernel does.
     */
    @Test
    void closeWaitsForACollectInProgressBeforeClosingItsCollector() throws Exception {
        CountDownLatch inside = new CountDownLatch(1);
        CountDownLatch closedLatch = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean();
        java.util.concurrent.atomic.AtomicBoolean closedWhileRunning = new java.util.concurrent.atomic.AtomicBoolean();
        Collector uninterruptible = new Collector() {
            @Override
            public String name() {
                return "link";
            }

            @Override
            public void collect(Snapshot.Builder into) {
                running.set(true);
                inside.countDown();
                boolean interrupted = false;
                while (true) {
                    try {
                        release.await();
                        break;
                    } catch (InterruptedException e) {
                        interrupted = true;
                    }
                }
                running.set(false);
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }

            @Override
            public void close() {
                closedWhileRunning.compareAndSet(false, running.get());
                closedLatch.countDown();
            }
        };
        Counting counting = new Counting();
        Sampler s = new Sampler(List.of(uninterruptible, counting), NetnsScope.current(), Duration.ofMillis(100));
        s.sample();
        assertTrue(inside.await(10, java.util.concurrent.TimeUnit.SECONDS));
        s.close();
        assertEquals(1, closedLatch.getCount(), "not closed while its collect is still running");
        release.countDown();
        assertTrue(closedLatch.await(10, java.util.concurrent.TimeUnit.SECONDS), "closed once the collect returned");
        assertTrue(!closedWhileRunning.get(), "closed after the collect, not during it");
    }

    @Test
    void closeClosesCollectorsThatNeverRan() {
        CountDownLatch closedLatch = new CountDownLatch(1);
        Collector idle = new Collector() {
            @Override
            public String name() {
                return "qdisc";
            }

            @Override
            public void collect(Snapshot.Builder into) {
            }

            @Override
            public void close() {
                closedLatch.countDown();
            }
        };
        new Sampler(List.of(idle), NetnsScope.current(), Duration.ofSeconds(1)).close();
        assertEquals(0, closedLatch.getCount());
    }

    /**
     * {@link Collector#close} may run on another thread than collect (a shutdown hook, a stuck collect):
     * every socket-like field of the standard collectors is final (a {@link LazySocket}, itself volatile
     * inside) or volatile, so close sees what collect opened.
     */
    @Test
    void everyCollectorsClosableFieldIsSafeToCloseFromAnotherThread() {
        List<Collector> all = Sampler.standardCollectors(dev.dropscope.sys.Syscalls.get(), NetnsScope.current());
        List<String> unsafe = new java.util.ArrayList<>();
        for (Collector c : all) {
            for (java.lang.reflect.Field f : c.getClass().getDeclaredFields()) {
                int mod = f.getModifiers();
                if (AutoCloseable.class.isAssignableFrom(f.getType()) && !java.lang.reflect.Modifier.isStatic(mod)
                        && !java.lang.reflect.Modifier.isFinal(mod) && !java.lang.reflect.Modifier.isVolatile(mod)) {
                    unsafe.add(c.getClass().getSimpleName() + "." + f.getName());
                }
            }
        }
        assertEquals(8, all.size(), "the standard collectors (links, /proc/net, sysctls, conntrack, neighbours, qdiscs, sockets, firewall)");
        assertEquals(List.of(), unsafe);
    }
}
