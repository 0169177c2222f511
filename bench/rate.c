/*
 * Scenario E's crowd from one cheap process: purchase attempts at a fixed rate (an open model:
 * they arrive on schedule whatever the instance's latency), each from a new user, on kept-alive
 * connections. bench/rate.sh compiles and runs it, then audits the sales.
 *
 *   rate <rate> <seconds> <product> [<warm-up product> <warm-up seconds> [address [port [connections]]]]
 *
 * The warm-up sends the same purchase to a sale that sold out after its first order: the rate
 * ramps from a twentieth of <rate> to <rate> over its first half, then holds. The sale follows
 * without a pause, on the same connections. <connections> (default 512) are opened before the
 * warm-up, as a crowd that watches the sale page already holds its connections; more are opened
 * when every one is busy (8,192 in all at most), and an attempt that finds none waits for one.
 *
 * Each attempt's time runs from the moment the schedule says it is sent, so time spent waiting for
 * a connection counts (no coordinated omission), to the last byte of its answer. Prints when the
 * sale began on the monotonic clock (bench/cpu-steps.py prints its rows' origin on that clock);
 * for the sale: percentiles, by status, second by second, and tenth of a second by tenth over the
 * first two seconds; the slow refusals after the first second, grouped into stalls (a pause that
 * delays every answer due in it, such as a collection or another process holding a core); the
 * connections opened during the sale; and this client's CPU. RATE_DUMP=<file> also writes each attempt of the
 * sale as a line: due, sent and answered (seconds from the sale's start), status, and 1 if it was
 * the first attempt sent on its connection (0 if the connection was kept from before). Exits 1 if an
 * attempt of the sale got anything but 201, 400, 403 or 409, or no answer.
 *
 * One thread and epoll: the client shares the machine's cores with the instance it measures
 * (Gatling, bench/gatling.sh, spent more CPU than the instance at the same rate on a 2-core machine).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 8192
#define BUFFER 8192

enum { CONNECTING, IDLE, BUSY, CLOSED };

struct connection {
    int fd;
    int state;
    long attempt;       /* the attempt in flight, or -1 */
    char out[512];
    int out_len, out_off;
    char in[BUFFER];
    int in_len;
    long body_left;     /* bytes of the body still to read, once the head is read; -1 before */
    int code;           /* the answer's status, once the head is read */
    int closing;        /* the answer said Connection: close */
    long served;        /* attempts sent on it so far */
};

static struct connection *connections;
static int opened, open_now;
static int *idle, idle_count;
static long waiting;   /* attempts are due in order: those from here to the next due wait for a connection */
static long *again, again_count, retried;   /* attempts to send again: their kept-alive connection had closed */
static double *due, *sent, *done;
static char *first_on_connection; /* the attempt was the first sent on its connection */
static short *status;
static long total, answered;
static int epfd;
static struct sockaddr_in server;
static const char *product, *warmup_product, *host;
static long warmup_attempts;
static char run[16];

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
    double x = *(const double *) a, y = *(const double *) b;
    return (x > y) - (x < y);
}

static int open_connection(void) {
    if (opened >= MAX_CONNECTIONS) {
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *) &server, sizeof server) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    int c = opened++;
    open_now++;
    connections[c] = (struct connection) {.fd = fd, .state = CONNECTING, .attempt = -1, .body_left = -1};
    struct epoll_event e = {.events = EPOLLIN | EPOLLOUT, .data.u32 = c};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &e);
    return c;
}

static void finish(struct connection *c, int code) {
    long a = c->attempt;
    status[a] = (short) code;
    done[a] = now();
    answered++;
    c->attempt = -1;
}

static void flush_out(struct connection *c) {
    while (c->out_off < c->out_len) {
        ssize_t w = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);
        if (w < 0) {
            return; /* EAGAIN: EPOLLOUT resumes it; an error shows as a closed connection on read */
        }
        c->out_off += (int) w;
    }
}

static void start(int index, long a) {
    struct connection *c = &connections[index];
    const char *p = a < warmup_attempts ? warmup_product : product;
    char body[96];
    int body_len = snprintf(body, sizeof body, "{\"productId\":\"%s\"}", p);
    c->out_len = snprintf(c->out, sizeof c->out,
            "POST /api/v1/sale/purchase HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
            "X-User-Id: e-%s-%ld\r\nContent-Length: %d\r\n\r\n%s", host, run, a, body_len, body);
    c->out_off = 0;
    c->attempt = a;
    first_on_connection[a] = c->served++ == 0;
    c->in_len = 0;
    c->body_left = -1;
    c->closing = 0;
    if (c->state == IDLE) {
        c->state = BUSY;
        sent[a] = now();
        flush_out(c);
    }
}

static void drop(int index) {
    struct connection *c = &connections[index];
    if (c->attempt >= 0 && c->in_len == 0 && c->body_left < 0 && c->state == BUSY) {
        /* the instance closed an idle connection (its idle timeout) as the attempt was written: it never read it */
        again[again_count++] = c->attempt;
        retried++;
        c->attempt = -1;
    } else if (c->attempt >= 0) {
        finish(c, 0);
    }
    epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->state = CLOSED;
    open_now--;
}

static void make_idle(int index) {
    connections[index].state = IDLE;
    idle[idle_count++] = index;
}

/* Reads what arrived; on a whole answer, records it and frees the connection. */
static void receive(int index) {
    struct connection *c = &connections[index];
    for (;;) {
        ssize_t r = read(c->fd, c->in + c->in_len, BUFFER - c->in_len);
        if (r == 0 || (r < 0 && errno != EAGAIN)) {
            drop(index);
            return;
        }
        if (r < 0) {
            return;
        }
        if (c->attempt < 0) {
            continue; /* nothing asked: ignore */
        }
        c->in_len += (int) r;
        if (c->body_left < 0) {
            char *end = memmem(c->in, c->in_len, "\r\n\r\n", 4);
            if (end == NULL) {
                if (c->in_len == BUFFER) {
                    drop(index);
                    return;
                }
                continue;
            }
            *end = 0;
            long length = -1;
            for (char *line = strstr(c->in, "\r\n"); line != NULL; line = strstr(line + 2, "\r\n")) {
                if (strncasecmp(line + 2, "Content-Length:", 15) == 0) {
                    length = atol(line + 17);
                } else if (strncasecmp(line + 2, "Connection: close", 17) == 0) {
                    c->closing = 1;
                }
            }
            if (length < 0) {
                fprintf(stderr, "an answer without Content-Length:\n%s\n", c->in);
                exit(2);
            }
            c->body_left = length - (c->in_len - (end + 4 - c->in));
            c->in[12] = 0;
            c->code = atoi(c->in + 9);
        } else {
            c->body_left -= r;
        }
        c->in_len = c->body_left < 0 ? c->in_len : 0; /* the body is not kept */
        if (c->body_left <= 0) {
            finish(c, c->code);
            if (c->closing) {
                drop(index);
            } else {
                make_idle(index);
            }
            return;
        }
    }
}

static void dispatch(long next) {
    while (again_count > 0 || waiting < next) {
        int index;
        if (idle_count > 0) {
            index = idle[--idle_count];
            if (connections[index].state != IDLE) {
                continue; /* closed by the server while idle */
            }
        } else if ((index = open_connection()) < 0) {
            return;
        }
        start(index, again_count > 0 ? again[--again_count] : waiting++);
    }
}

/*
 * The refusals after the sale's first second that took over 10 ms, grouped into stalls: slow
 * answers due less than 30 ms apart belong to one (attempts are numbered in the order they are
 * due). Printed: how many, in how many stalls, the longest, and the median time from one stall's
 * start to the next (a period shows a periodic cause).
 */
static void stalls(double start_at) {
    long n = 0, *slow = malloc(sizeof(long) * (total - warmup_attempts + 1));
    for (long a = warmup_attempts; a < total; a++) {
        if (status[a] > 0 && status[a] != 201 && due[a] - start_at >= 1 && (done[a] - due[a]) * 1000 > 10) {
            slow[n++] = a;
        }
    }
    long count = 0;
    double longest = 0, *starts = malloc(sizeof(double) * (n + 1)), last = -1;
    for (long i = 0; i < n; i++) {
        double at = due[slow[i]], took = (done[slow[i]] - at) * 1000;
        if (count == 0 || at - last >= 0.030) {
            starts[count++] = at;
        }
        last = at;
        longest = took > longest ? took : longest;
    }
    double *gaps = malloc(sizeof(double) * (count + 1));
    for (long i = 1; i < count; i++) {
        gaps[i - 1] = starts[i] - starts[i - 1];
    }
    qsort(gaps, count > 1 ? count - 1 : 0, sizeof(double), compare);
    printf("after the first second: %ld refusals over 10 ms in %ld stalls, the slowest %.1f ms", n, count, longest);
    if (count > 2) {
        printf("; median time between stalls %.3f s", gaps[(count - 1) / 2]);
    }
    printf("\n");
    free(gaps);
    free(starts);
    free(slow);
}

static double percentile(double *sorted, long n, double q) {
    long i = (long) (q * n);
    return sorted[i < n ? i : n - 1];
}

/* The sale's answered attempts of one kind (0: all, 201, or -1: refusals), timed from due or sent. */
static void report(const char *what, int kind, int by_sent) {
    long n = 0, slow = 0;
    double *times = malloc(sizeof(double) * (total - warmup_attempts + 1));
    for (long a = warmup_attempts; a < total; a++) {
        if (status[a] > 0 && (kind == 0 || (kind == 201) == (status[a] == 201))) {
            double t = (done[a] - (by_sent ? sent[a] : due[a])) * 1000;
            times[n++] = t;
            slow += t > 10;
        }
    }
    if (n == 0) {
        free(times);
        return;
    }
    qsort(times, n, sizeof(double), compare);
    printf("  %-22s %6ld: p50 %7.2f ms, p95 %7.2f, p99 %7.2f, p99.9 %7.2f, max %8.1f; over 10 ms: %ld\n", what, n,
            percentile(times, n, .5), percentile(times, n, .95), percentile(times, n, .99),
            percentile(times, n, .999), times[n - 1], slow);
    free(times);
}

/* The sale's answered attempts of one kind (0: all, 201, or -1: refusals) within [lo, hi) seconds of its start, timed from due. */
static void slice(const char *label, double start_at, double lo, double hi, int code) {
    long n = 0, slow = 0;
    double most = 0, *times = malloc(sizeof(double) * (total - warmup_attempts + 1));
    for (long a = warmup_attempts; a < total; a++) {
        double at = due[a] - start_at;
        if (at >= lo && at < hi && status[a] > 0 && (code == 0 || (code == 201) == (status[a] == 201))) {
            double t = (done[a] - due[a]) * 1000;
            times[n++] = t;
            slow += t > 10;
            most = t > most ? t : most;
        }
    }
    if (n > 0) {
        qsort(times, n, sizeof(double), compare);
        printf("  %s %5.1f s %-9s %5ld attempts, p50 %7.2f ms, p99 %7.2f, max %7.1f, over 10 ms %5ld\n", label, lo,
                code == 0 ? "" : code == 201 ? "(201)" : "(refused)", n, percentile(times, n, .5),
                percentile(times, n, .99), most, slow);
    }
    free(times);
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: %s <rate> <seconds> <product> [<warm-up product> <warm-up seconds> "
                "[address [port [connections]]]]\n", argv[0]);
        return 2;
    }
    double rate = atof(argv[1]), seconds = atof(argv[2]);
    product = argv[3];
    warmup_product = argc > 4 ? argv[4] : "";
    double warmup = argc > 5 && warmup_product[0] ? atof(argv[5]) : 0;
    host = argc > 6 ? argv[6] : "127.0.0.1";
    int port = argc > 7 ? atoi(argv[7]) : 8080;
    int initial = argc > 8 ? atoi(argv[8]) : 512;
    snprintf(run, sizeof run, "%lx", (long) time(NULL));

    /* the schedule: a ramp then a hold over the warm-up, then the sale at the full rate */
    long capacity = (long) (rate * (warmup + seconds)) + 16;
    due = malloc(sizeof(double) * capacity);
    double t = 0;
    total = 0;
    while (t < warmup) {
        double r = t < warmup / 2 ? rate / 20 + (rate - rate / 20) * t / (warmup / 2) : rate;
        due[total++] = t;
        t += 1 / r;
    }
    warmup_attempts = total;
    for (long i = 0; i < (long) (rate * seconds); i++) {
        due[total++] = warmup + i / rate;
    }
    sent = calloc(total, sizeof(double));
    done = calloc(total, sizeof(double));
    status = calloc(total, sizeof(short));
    first_on_connection = calloc(total, 1);
    connections = calloc(MAX_CONNECTIONS, sizeof(struct connection));
    idle = malloc(sizeof(int) * MAX_CONNECTIONS);
    again = malloc(sizeof(long) * MAX_CONNECTIONS);
    server.sin_family = AF_INET;
    server.sin_port = htons(port);
    if (inet_pton(AF_INET, host, &server.sin_addr) != 1) {
        fprintf(stderr, "not an IPv4 address: %s\n", host);
        return 2;
    }
    epfd = epoll_create1(0);

    for (int i = 0; i < initial; i++) {
        open_connection();
    }
    struct epoll_event events[512];
    double opening = now() + 60;
    int ready = 0;
    while (ready < initial && now() < opening) {
        int n = epoll_wait(epfd, events, 512, 100);
        for (int i = 0; i < n; i++) {
            struct connection *c = &connections[events[i].data.u32];
            if (c->state == CONNECTING && events[i].events & EPOLLOUT) {
                int error = 0;
                socklen_t len = sizeof error;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len);
                if (error) {
                    fprintf(stderr, "connect: %s\n", strerror(error));
                    return 1;
                }
                struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = events[i].data.u32};
                epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
                make_idle((int) events[i].data.u32);
                ready++;
            }
        }
    }
    if (ready < initial) {
        fprintf(stderr, "only %d of %d connections opened in 60 s\n", ready, initial);
        return 1;
    }
    int opened_before_sale = -1;
    struct rusage before;
    getrusage(RUSAGE_SELF, &before);
    double t0 = now() + 0.1;
    for (long a = 0; a < total; a++) {
        due[a] += t0;
    }
    double deadline = due[total - 1] + 30;
    long next = 0;
    while (answered < total && now() < deadline) {
        double at = now();
        while (next < total && due[next] <= at) {
            next++;
        }
        if (opened_before_sale < 0 && next > warmup_attempts) {
            opened_before_sale = opened;
        }
        dispatch(next);
        /* whole milliseconds: an attempt may leave up to 1 ms late, and that counts against the instance */
        double wait = next < total ? (due[next] - now()) * 1000 : 100;
        int n = epoll_wait(epfd, events, 512, wait <= 0 ? 0 : (int) wait + 1);
        for (int i = 0; i < n; i++) {
            int index = (int) events[i].data.u32;
            struct connection *c = &connections[index];
            if (c->state == CLOSED) {
                continue;
            }
            if (c->state == CONNECTING) {
                if (!(events[i].events & (EPOLLOUT | EPOLLERR | EPOLLHUP))) {
                    continue;
                }
                int error = 0;
                socklen_t len = sizeof error;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &len);
                if (error) {
                    drop(index);
                    continue;
                }
                struct epoll_event e = {.events = EPOLLIN | EPOLLOUT | EPOLLET, .data.u32 = index};
                epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &e);
                c->state = IDLE;
                if (c->attempt >= 0) {
                    c->state = BUSY;
                    sent[c->attempt] = now();
                    flush_out(c);
                } else {
                    make_idle(index);
                }
                continue;
            }
            if (events[i].events & EPOLLOUT && c->state == BUSY) {
                flush_out(c);
            }
            if (events[i].events & (EPOLLIN | EPOLLERR | EPOLLHUP)) {
                receive(index);
            }
        }
    }
    struct rusage after;
    getrusage(RUSAGE_SELF, &after);
    double cpu = (after.ru_utime.tv_sec - before.ru_utime.tv_sec) + (after.ru_stime.tv_sec - before.ru_stime.tv_sec)
            + ((after.ru_utime.tv_usec - before.ru_utime.tv_usec) + (after.ru_stime.tv_usec - before.ru_stime.tv_usec)) / 1e6;

    long failed = 0, unanswered = 0, warmup_failed = 0;
    for (long a = 0; a < total; a++) {
        int s = status[a];
        int ok = s == 201 || s == 400 || s == 403 || s == 409;
        if (a < warmup_attempts) {
            warmup_failed += !ok;
        } else {
            failed += !ok;
            unanswered += s == 0;
        }
    }
    double start_at = due[warmup_attempts];
    printf("the sale began at %.3f s on the monotonic clock\n", start_at);
    int seen[1000] = {0};
    for (long a = 0; a < total; a++) {
        seen[status[a] < 1000 && status[a] >= 0 ? status[a] : 0]++;
    }
    printf("answers, warm-up and sale:");
    for (int s = 0; s < 1000; s++) {
        if (seen[s]) {
            printf(" %d: %d", s, seen[s]);
        }
    }
    printf(" (0: none); sent again on another connection: %ld\n", retried);
    printf("warm-up: %ld attempts over %.0f s, %ld not answered 201/400/403/409\n", warmup_attempts, warmup,
            warmup_failed);
    printf("sale: %ld attempts at %.0f/s over %.0f s; %ld not answered 201/400/403/409 (%ld without an answer); "
            "connections: %d before the sale, %d opened during it\n", total - warmup_attempts, rate, seconds, failed,
            unanswered, opened_before_sale < 0 ? opened : opened_before_sale,
            opened - (opened_before_sale < 0 ? opened : opened_before_sale));
    printf("from the scheduled moment (waiting for a connection included):\n");
    report("all", 0, 0);
    report("201", 201, 0);
    report("refused (4xx)", -1, 0);
    printf("from the moment it was written:\n");
    report("all", 0, 1);
    printf("second by second (from the scheduled moment):\n");
    for (int s = 0; s < (int) seconds; s++) {
        slice("second", start_at, s, s + 1, 0);
    }
    printf("the first two seconds, by tenths:\n");
    for (int d = 0; d < 20; d++) {
        slice("at", start_at, d / 10.0, (d + 1) / 10.0, 201);
        slice("at", start_at, d / 10.0, (d + 1) / 10.0, -1);
    }
    stalls(start_at);
    const char *dump = getenv("RATE_DUMP");
    if (dump != NULL && dump[0]) {
        FILE *out = fopen(dump, "w");
        if (out == NULL) {
            perror(dump);
        } else {
            for (long a = warmup_attempts; a < total; a++) {
                fprintf(out, "%.6f %.6f %.6f %d %d\n", due[a] - start_at, sent[a] - start_at, done[a] - start_at,
                        status[a], first_on_connection[a]);
            }
            fclose(out);
        }
    }
    printf("this client's CPU: %.2f s over %.1f s\n", cpu, now() - t0);
    return failed > 0 ? 1 : 0;
}
