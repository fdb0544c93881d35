/* Measurement-only drop generator: UDP to 127.0.0.1:9 (closed) with sendmmsg in batches of 64,
 * pinned to one CPU, for a given time. Python's per-call overhead hides the kernel's drop rate.
 * Usage: udpdrops CPU SECONDS   -> prints "pid t0 t1 sent" (CLOCK_MONOTONIC ns). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static long long now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3) return 2;
    int cpu = atoi(argv[1]);
    long long dur = (long long)(atof(argv[2]) * 1e9);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set)) { perror("sched_setaffinity"); return 1; }
    int fd = socket(AF_INET, SOCK_DGRAM, 0); /* unconnected: ICMP errors never come back as send errors */
    if (fd < 0) { perror("socket"); return 1; }
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(9) };
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    char payload[16] = {0};
    struct iovec iov = { payload, sizeof payload };
    struct mmsghdr msgs[64];
    for (int i = 0; i < 64; i++) {
        msgs[i].msg_hdr = (struct msghdr){ .msg_name = &to, .msg_namelen = sizeof to, .msg_iov = &iov, .msg_iovlen = 1 };
    }
    long long t0 = now(), t1, sent = 0;
    do {
        int n = sendmmsg(fd, msgs, 64, 0);
        if (n > 0) sent += n;
        t1 = now();
    } while (t1 - t0 < dur);
    printf("%d %lld %lld %lld\n", getpid(), t0, t1, sent);
    return 0;
}
