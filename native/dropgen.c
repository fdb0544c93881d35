// dropgen.c - make the kernel drop packets as fast as it can, and count them by the kernel's own counter.
//
//   dropgen udp [-t THREADS] [-d SECONDS] [-b BATCH] [-p PORT] [-n NETNS]
//       sendmmsg() 16-byte UDP datagrams to 127.0.0.1:PORT (closed) from unconnected sockets. Every one is
//       dropped in __udp4_lib_rcv() with reason NO_SOCKET; counted in "Udp: NoPorts" (/proc/net/snmp).
//   dropgen raw -i IFACE (-m MAC | -P PEER) [-t THREADS] [-d SECONDS] [-b BATCH] [-n NETNS]
//       AF_PACKET (PACKET_QDISC_BYPASS) Ethernet/IPv4/UDP frames with a wrong IPv4 header checksum into IFACE,
//       one end of a veth pair; the peer (MAC, or PEER's address) drops each in ip_rcv_core() with reason
//       IP_CSUM; counted in "IpExt: InCsumErrors" (/proc/net/netstat). About 3.5x the UDP rate.
//
// -n NETNS enters /run/netns/NETNS first (as `ip netns exec` would, without the extra process), so the
// counters read are that namespace's only: run it in a namespace nobody else uses. Thread i is pinned to
// CPU i mod ncpu. On loopback and veth the receive softirq runs in the sender's context, so every cost the
// drop path carries (tracepoint, BPF program, perf ring) lands on the generating CPU and shows as fewer
// drops per second. The result is one JSON line on stdout; errors go to stderr with exit status 1 (2 for a
// bad command line). SIGINT/SIGTERM end the run early and still print the result.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 64

enum mode { MODE_UDP, MODE_RAW };

static enum mode mode;
static int nthreads = 1, batch = 64, port = 9, ifindex;
static unsigned long long max_per_thread; // -c: a thread stops after this many packets (0: only the duration)
static double dur = 5.0;
static unsigned char dmac[6];
static atomic_int stop, running;
static unsigned long long sent[MAX_THREADS], errs[MAX_THREADS];
static int first_errno[MAX_THREADS];

static void usage(void) {
    fprintf(stderr,
            "usage: dropgen udp [-t THREADS] [-d SECONDS] [-c PACKETS] [-b BATCH] [-p PORT] [-n NETNS]\n"
            "       dropgen raw -i IFACE (-m MAC | -P PEER_IFACE) [-t THREADS] [-d SECONDS] [-c PACKETS] [-b BATCH] [-n NETNS]\n"
            "-c: each thread stops after PACKETS, or when SECONDS are over, whichever comes first.\n"
            "Prints one JSON line: drops made, by the namespace's Udp NoPorts (udp) or IpExt InCsumErrors (raw).\n");
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

// The value under column NAME of the "PREFIX" header/value line pair of a /proc/net/{snmp,netstat} file.
static long long proc_net_counter(const char *file, const char *prefix, const char *name) {
    FILE *f = fopen(file, "r");
    if (!f) return -1;
    char h[4096], v[4096];
    long long res = -1;
    size_t pl = strlen(prefix);
    while (fgets(h, sizeof h, f)) {
        if (strncmp(h, prefix, pl) || !fgets(v, sizeof v, f)) continue;
        char *sh, *sv, *th = strtok_r(h, " \n", &sh), *tv = strtok_r(v, " \n", &sv);
        while (th && tv) {
            if (!strcmp(th, name)) res = atoll(tv);
            th = strtok_r(NULL, " \n", &sh);
            tv = strtok_r(NULL, " \n", &sv);
        }
        break;
    }
    fclose(f);
    return res;
}

static const char *counter_name(void) {
    return mode == MODE_UDP ? "Udp NoPorts" : "IpExt InCsumErrors";
}

static long long drop_counter(void) {
    return mode == MODE_UDP ? proc_net_counter("/proc/net/snmp", "Udp: ", "NoPorts")
                            : proc_net_counter("/proc/net/netstat", "IpExt: ", "InCsumErrors");
}

static void pin(long id) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(id % sysconf(_SC_NPROCESSORS_ONLN), &set);
    pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}

/* Sends batches of one message (same address, same bytes) on fd until told to stop; closes fd. */
static void send_until_stopped(long id, int fd, void *name, socklen_t namelen, struct iovec *iov) {
    struct mmsghdr *m = calloc(batch, sizeof *m);
    for (int i = 0; i < batch; i++) {
        m[i].msg_hdr.msg_name = name;
        m[i].msg_hdr.msg_namelen = namelen;
        m[i].msg_hdr.msg_iov = iov;
        m[i].msg_hdr.msg_iovlen = 1;
    }
    unsigned long long n = 0, e = 0;
    while (!atomic_load_explicit(&stop, memory_order_relaxed)) {
        unsigned int want = batch;
        if (max_per_thread) {
            if (n >= max_per_thread) break;
            if (max_per_thread - n < want) want = (unsigned int)(max_per_thread - n);
        }
        int r = sendmmsg(fd, m, want, 0);
        if (r > 0) {
            n += r;
        } else {
            if (!first_errno[id]) first_errno[id] = errno;
            e++;
        }
    }
    sent[id] = n;
    errs[id] = e;
    free(m);
    close(fd);
}

static void *counted(void *(*fn)(void *), void *arg) {
    void *r = fn(arg);
    atomic_fetch_sub(&running, 1);
    return r;
}

static void *udp_worker(void *arg) {
    long id = (long)arg;
    pin(id);
    int fd = socket(AF_INET, SOCK_DGRAM, 0); // unconnected: ICMP port-unreachable errors are never reported back
    if (fd < 0) { first_errno[id] = errno; return NULL; }
    struct sockaddr_in dst = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &dst.sin_addr);
    static char buf[16];
    struct iovec iov = {.iov_base = buf, .iov_len = sizeof buf};
    send_until_stopped(id, fd, &dst, sizeof dst, &iov);
    return NULL;
}

static void *raw_worker(void *arg) {
    long id = (long)arg;
    pin(id);
    int fd = socket(AF_PACKET, SOCK_RAW, 0); // protocol 0: this socket never receives
    if (fd < 0) { first_errno[id] = errno; return NULL; }
    int one = 1;
    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof one);
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};
    memcpy(sll.sll_addr, dmac, 6);
    unsigned char f[60] = {0};
    memcpy(f, dmac, 6);
    f[6] = 0x02; f[11] = 0x01;              // src MAC 02:00:00:00:00:01
    f[12] = 0x08; f[13] = 0x00;             // IPv4
    unsigned char *ip = f + 14;
    ip[0] = 0x45; ip[3] = 28 + 18;          // tot_len 46
    ip[8] = 64; ip[9] = 17;                 // ttl, UDP
    ip[10] = 0xde; ip[11] = 0xad;           // deliberately wrong header checksum
    ip[12] = 10; ip[13] = 99; ip[15] = 1;   // 10.99.0.1
    ip[16] = 10; ip[17] = 99; ip[19] = 2;   // 10.99.0.2
    ip[20] = 0x30; ip[21] = 0x39; ip[23] = 0x09; ip[25] = 26; // UDP 12345 -> 9
    struct iovec iov = {f, sizeof f};
    send_until_stopped(id, fd, &sll, sizeof sll, &iov);
    return NULL;
}

static void *udp_thread(void *arg) { return counted(udp_worker, arg); }
static void *raw_thread(void *arg) { return counted(raw_worker, arg); }

static int enter_netns(const char *name) {
    char path[512];
    snprintf(path, sizeof path, strchr(name, '/') ? "%s" : "/run/netns/%s", name);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        fprintf(stderr, "dropgen: netns %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (setns(fd, CLONE_NEWNET) < 0) {
        fprintf(stderr, "dropgen: setns %s: %s\n", path, strerror(errno));
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

static int peer_mac(const char *peer) {
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "%s", peer);
    int r = fd < 0 ? -1 : ioctl(fd, SIOCGIFHWADDR, &ifr);
    int e = errno;
    if (fd >= 0) close(fd);
    if (r < 0) {
        fprintf(stderr, "dropgen: %s: cannot read its MAC address: %s\n", peer, strerror(e));
        return -1;
    }
    memcpy(dmac, ifr.ifr_hwaddr.sa_data, 6);
    return 0;
}

static void on_signal(int sig) {
    (void)sig;
    atomic_store(&stop, 1);
}

int main(int argc, char **argv) {
    if (argc < 2 || (strcmp(argv[1], "udp") && strcmp(argv[1], "raw"))) {
        usage();
        return 2;
    }
    mode = strcmp(argv[1], "udp") ? MODE_RAW : MODE_UDP;
    const char *ifn = NULL, *peer = NULL, *netns = NULL;
    int have_mac = 0, c;
    optind = 2;
    while ((c = getopt(argc, argv, "t:d:c:b:p:n:i:m:P:h")) != -1) {
        switch (c) {
        case 't': nthreads = atoi(optarg); break;
        case 'd': dur = atof(optarg); break;
        case 'c': max_per_thread = strtoull(optarg, NULL, 10); break;
        case 'b': batch = atoi(optarg); break;
        case 'p': port = atoi(optarg); break;
        case 'n': netns = optarg; break;
        case 'i': ifn = optarg; break;
        case 'P': peer = optarg; break;
        case 'm':
            have_mac = sscanf(optarg, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &dmac[0], &dmac[1], &dmac[2], &dmac[3],
                              &dmac[4], &dmac[5]) == 6;
            if (!have_mac) { fprintf(stderr, "dropgen: -m %s is not a MAC address\n", optarg); return 2; }
            break;
        case 'h': usage(); return 0;
        default: usage(); return 2;
        }
    }
    if (nthreads < 1 || nthreads > MAX_THREADS || dur <= 0 || dur > 3600 || batch < 1 || batch > 1024 ||
        port < 1 || port > 65535) {
        fprintf(stderr, "dropgen: need 1-%d threads, 0-3600 seconds, batch 1-1024, port 1-65535\n", MAX_THREADS);
        return 2;
    }
    if (mode == MODE_RAW && (!ifn || (!have_mac && !peer))) {
        fprintf(stderr, "dropgen: raw mode needs -i IFACE and -m MAC or -P PEER_IFACE\n");
        return 2;
    }
    if (netns && enter_netns(netns) < 0) return 1;
    if (mode == MODE_RAW) {
        ifindex = if_nametoindex(ifn);
        if (!ifindex) { fprintf(stderr, "dropgen: %s: %s\n", ifn, strerror(errno)); return 1; }
        if (!have_mac && peer_mac(peer) < 0) return 1;
    }
    struct sigaction sa = {.sa_handler = on_signal};
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    pthread_t th[MAX_THREADS];
    long long c0 = drop_counter();
    if (c0 < 0) { fprintf(stderr, "dropgen: cannot read %s\n", counter_name()); return 1; }
    double t0 = now();
    for (long i = 0; i < nthreads; i++) {
        atomic_fetch_add(&running, 1);
        int e = pthread_create(&th[i], NULL, mode == MODE_UDP ? udp_thread : raw_thread, (void *)i);
        if (e) atomic_fetch_sub(&running, 1);
        if (e) { fprintf(stderr, "dropgen: pthread_create: %s\n", strerror(e)); atomic_store(&stop, 1); nthreads = (int)i; break; }
    }
    double end = t0 + dur;
    while (!atomic_load(&stop) && atomic_load(&running) > 0) {
        double left = end - now();
        if (left <= 0) break;
        if (left > 0.1) left = 0.1;
        struct timespec ts = {0, (long)(left * 1e9)};
        nanosleep(&ts, NULL);
    }
    atomic_store(&stop, 1);
    unsigned long long tot = 0, te = 0;
    int err = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(th[i], NULL);
        tot += sent[i];
        te += errs[i];
        if (!err) err = first_errno[i];
    }
    double el = now() - t0;
    usleep(20000); // let a queued backlog drain before reading the counter
    long long c1 = drop_counter();
    long long drops = c1 - c0;
    printf("{\"mode\":\"%s\",\"threads\":%d,\"batch\":%d,\"elapsed_s\":%.3f,\"sent\":%llu,\"send_errors\":%llu,"
           "\"first_error\":\"%s\",\"counter\":\"%s\",\"drops\":%lld,\"sent_per_s\":%.0f,\"drops_per_s\":%.0f}\n",
           mode == MODE_UDP ? "udp" : "raw", nthreads, batch, el, tot, te, err ? strerror(err) : "", counter_name(),
           drops, tot / el, drops / el);
    fflush(stdout);
    if (tot == 0) {
        fprintf(stderr, "dropgen: nothing sent%s%s\n", err ? ": " : "", err ? strerror(err) : "");
        return 1;
    }
    return 0;
}
