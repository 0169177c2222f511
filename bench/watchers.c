/*
 * A sale's audience: holds N live streams of one sale open (GET /api/v1/sale/stream/{id}) and
 * counts the events each receives. bench/audience.sh compiles and runs it beside the crowd.
 *
 *   watchers <count> <product> <seconds> [address [port [local-address]]]
 *
 * Opens every stream at once from local-address (default 127.0.0.2, so that the crowd's address
 * and the audience's differ), prints a line once each stream has received its first event, holds
 * them all for <seconds>, then prints the events per watcher, the streams that ended early and the
 * CPU this client used. Exits 1 if a stream could not open within 120 s.
 *
 * One thread and epoll: the client shares the machine's cores with the instance it measures, so
 * it does nothing per event but read it and count its "data:" line (bench/watchers.py, in Python,
 * cost several times more CPU for the same streams).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char MARK[] = "\ndata:";

struct stream {
    int fd;
    int sent;     /* the request has been written */
    int matched;  /* characters of MARK matched so far, across reads */
    int ended;    /* the server closed the stream, or it failed */
    long events;
};

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
    long x = *(const long *) a, y = *(const long *) b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s <count> <product> <seconds> [address [port [local-address]]]\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    const char *product = argv[2];
    double seconds = atof(argv[3]);
    const char *address = argc > 4 ? argv[4] : "127.0.0.1";
    int port = argc > 5 ? atoi(argv[5]) : 8080;
    const char *local = argc > 6 ? argv[6] : "127.0.0.2";

    char request[512];
    int length = snprintf(request, sizeof request,
            "GET /api/v1/sale/stream/%s HTTP/1.1\r\nHost: %s:%d\r\nAccept: text/event-stream\r\n\r\n",
            product, address, port);

    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(port)};
    struct sockaddr_in from = {.sin_family = AF_INET};
    if (inet_pton(AF_INET, address, &to.sin_addr) != 1 || inet_pton(AF_INET, local, &from.sin_addr) != 1) {
        fprintf(stderr, "bad address\n");
        return 2;
    }
    int poll = epoll_create1(0);
    struct stream *streams = calloc(n, sizeof *streams);
    double started = now();
    for (int i = 0; i < n; i++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        if (fd < 0 || bind(fd, (struct sockaddr *) &from, sizeof from) != 0
                || (connect(fd, (struct sockaddr *) &to, sizeof to) != 0 && errno != EINPROGRESS)) {
            perror("open a stream");
            return 1;
        }
        streams[i].fd = fd;
        struct epoll_event interest = {.events = EPOLLIN | EPOLLOUT, .data.ptr = &streams[i]};
        epoll_ctl(poll, EPOLL_CTL_ADD, fd, &interest);
    }

    static char buffer[1 << 16];
    struct epoll_event ready[256];
    int open = 0, ended = 0;
    double held_from = 0;
    for (;;) {
        double t = now();
        if (!held_from && t - started > 120) {
            fprintf(stderr, "only %d of %d streams open after 120 s\n", open, n);
            return 1;
        }
        if (held_from && t - held_from >= seconds) {
            break;
        }
        int count = epoll_wait(poll, ready, 256, 100);
        for (int k = 0; k < count; k++) {
            struct stream *s = ready[k].data.ptr;
            if (!s->sent && (ready[k].events & EPOLLOUT)) {
                if (write(s->fd, request, length) != length) {
                    s->ended = 1;
                } else {
                    s->sent = 1;
                    struct epoll_event interest = {.events = EPOLLIN, .data.ptr = s};
                    epoll_ctl(poll, EPOLL_CTL_MOD, s->fd, &interest);
                }
            }
            if (ready[k].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
                ssize_t got;
                while ((got = read(s->fd, buffer, sizeof buffer)) > 0) {
                    for (ssize_t b = 0; b < got; b++) {
                        if (buffer[b] == MARK[s->matched]) {
                            if (++s->matched == sizeof MARK - 1) {
                                s->matched = 0;
                                if (s->events++ == 0 && ++open == n) {
                                    held_from = now();
                                    printf("%d streams open and first event received in %.1f s\n", n, held_from - started);
                                    fflush(stdout);
                                }
                            }
                        } else {
                            s->matched = buffer[b] == '\n';
                        }
                    }
                }
                if (got == 0 || (got < 0 && errno != EAGAIN)) {
                    s->ended = 1;
                }
            }
            if (s->ended) {
                epoll_ctl(poll, EPOLL_CTL_DEL, s->fd, NULL);
                close(s->fd);
                s->fd = -1;
                ended++;
                s->ended = 0;
            }
        }
    }

    long *events = malloc(n * sizeof *events);
    for (int i = 0; i < n; i++) {
        events[i] = streams[i].events;
        if (streams[i].fd >= 0) {
            close(streams[i].fd);
        }
    }
    qsort(events, n, sizeof *events, compare);
    struct rusage used;
    getrusage(RUSAGE_SELF, &used);
    printf("held %.0f s: events per watcher min %ld, max %ld; streams ended early: %d; "
           "the watchers' client used %.1f s of CPU\n",
           seconds, events[0], events[n - 1], ended,
           used.ru_utime.tv_sec + used.ru_stime.tv_sec + (used.ru_utime.tv_usec + used.ru_stime.tv_usec) / 1e6);
    return 0;
}
