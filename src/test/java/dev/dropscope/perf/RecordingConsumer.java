package dev.dropscope.perf;

import java.util.Arrays;

/** Keeps every sample in growable primitive arrays, to be judged once the test knows what to expect. */
final class RecordingConsumer implements KfreeSkbConsumer {
    int n;
    int[] cpu = new int[1024];
    long[] time = new long[1024];
    int[] pid = new int[1024];
    long[] location = new long[1024];
    int[] reason = new int[1024];
    int[] protocol = new int[1024];
    long[] rxSk = new long[1024];
    int lostEvents;
    int[] lostCpu = new int[16];
    long[] lostCount = new long[16];

    @Override
    public void onDrop(int c, long t, int p, long loc, int r, int proto, long sk) {
        if (n == cpu.length) {
            int cap = n * 2;
            cpu = Arrays.copyOf(cpu, cap);
            time = Arrays.copyOf(time, cap);
            pid = Arrays.copyOf(pid, cap);
            location = Arrays.copyOf(location, cap);
            reason = Arrays.copyOf(reason, cap);
            protocol = Arrays.copyOf(protocol, cap);
            rxSk = Arrays.copyOf(rxSk, cap);
        }
        cpu[n] = c;
        time[n] = t;
        pid[n] = p;
        location[n] = loc;
        reason[n] = r;
        protocol[n] = proto;
        rxSk[n] = sk;
        n++;
    }

    @Override
    public void onLost(int c, long count) {
        if (lostEvents == lostCpu.length) {
            lostCpu = Arrays.copyOf(lostCpu, lostEvents * 2);
            lostCount = Arrays.copyOf(lostCount, lostEvents * 2);
        }
        lostCpu[lostEvents] = c;
        lostCount[lostEvents] = count;
        lostEvents++;
    }

    void replay(KfreeSkbConsumer to) {
        for (int i = 0; i < n; i++) {
            to.onDrop(cpu[i], time[i], pid[i], location[i], reason[i], protocol[i], rxSk[i]);
        }
        for (int i = 0; i < lostEvents; i++) {
            to.onLost(lostCpu[i], lostCount[i]);
        }
    }
}
