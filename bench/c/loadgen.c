/*
 * loadgen.c: the client of the echo (B1) and idle (B4) benchmarks. Compiled C, so that the load
 * generator is not what is being measured (docs/benchmarks.md).
 *
 * One thread, epoll, N connections to one TCP server, K messages of S bytes in flight on each of
 * the first A connections (A = N unless --active says otherwise). Echo is ordered, so every S
 * bytes that come back complete the oldest message of that connection: its latency is the time
 * since it was queued. Phases: connect all (at most --connect-batch at once) → [wait for a line
 * on stdin] → warm-up → measured window → drain → close. Every phase is bounded in time, and
 * the total number of messages is capped (--max-msgs).
 *
 * When --server-pid is given, the server's utime+stime (/proc/<pid>/stat) is read at both edges
 * of the window, so CPU per round trip covers exactly the round trips counted.
 *
 * Prints one JSON object on stdout at the end (see bench/README.md for the fields); with
 * --wait-stdin it first prints {"event":"connected",...} and waits for any line on stdin.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IO_BUF (256 * 1024)
#define MAX_EVENTS 512
#define HIST_SUB 32 /* sub-buckets per power of two: ~3% resolution */
#define HIST_BUCKETS (HIST_SUB + 40 * HIST_SUB)

enum { CONNECTING, OPEN, DEAD };

struct conn {
  int fd;
  int state;
  int active;
  unsigned interest;
  uint64_t out_pending; /* bytes queued but not yet written */
  uint64_t in_partial;  /* bytes received toward the oldest message */
  uint64_t *ts;         /* ring of send times (ns), K entries */
  int head, count;
};

static struct {
  const char *host;
  int port, conns, active, inflight, size, batch, wait_stdin;
  long warmup_ms, duration_ms, drain_ms, connect_timeout_ms, wait_timeout_ms;
  uint64_t max_msgs;
  int server_pid;
} opt = {"127.0.0.1", 0, 50, -1, 1, 64, 200, 0, 300, 2000, 1000, 30000, 600000, 50000000ull, 0};

static struct conn *cs;
static int ep;
static char sendbuf[IO_BUF], recvbuf[IO_BUF];
static uint64_t hist[HIST_BUCKETS];
static uint64_t now_ns, sent_msgs, round_trips, outstanding, errors, lat_sum_ns, lat_max_ns;
static int in_window, stop_sending, capped;

static uint64_t mono_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static int hist_index(uint64_t v) {
  if (v < HIST_SUB) return (int)v;
  int msb = 63 - __builtin_clzll(v);
  int shift = msb - 5; /* log2(HIST_SUB) = 5 */
  int idx = HIST_SUB + shift * HIST_SUB + (int)((v >> shift) & (HIST_SUB - 1));
  return idx < HIST_BUCKETS ? idx : HIST_BUCKETS - 1;
}

static void hist_bounds(int idx, uint64_t *lo, uint64_t *hi) {
  if (idx < HIST_SUB) {
    *lo = *hi = (uint64_t)idx;
    return;
  }
  int shift = (idx - HIST_SUB) / HIST_SUB, sub = (idx - HIST_SUB) % HIST_SUB;
  *lo = (uint64_t)(HIST_SUB + sub) << shift;
  *hi = ((uint64_t)(HIST_SUB + sub + 1) << shift) - 1;
}

static double percentile_us(double q) {
  uint64_t total = 0, seen = 0;
  for (int i = 0; i < HIST_BUCKETS; i++) total += hist[i];
  if (total == 0) return 0;
  uint64_t rank = (uint64_t)(q * (double)total);
  if (rank >= total) rank = total - 1;
  for (int i = 0; i < HIST_BUCKETS; i++) {
    seen += hist[i];
    if (seen > rank) {
      uint64_t lo, hi;
      hist_bounds(i, &lo, &hi);
      return (double)(lo + hi) / 2000.0;
    }
  }
  return 0;
}

static double proc_cpu_sec(int pid) {
  if (pid <= 0) return -1;
  char path[64], buf[2048];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  FILE *f = fopen(path, "r");
  if (!f) return -1;
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = 0;
  char *p = strrchr(buf, ')'); /* comm may contain spaces: fields count from the last ')' */
  if (!p) return -1;
  unsigned long utime = 0, stime = 0;
  /* after ')': state(3) ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt utime(14) stime(15) */
  if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &utime, &stime) != 2) return -1;
  return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

static double self_cpu_sec(void) {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

static void set_interest(struct conn *c, unsigned want) {
  if (c->interest == want) return;
  struct epoll_event ev = {.events = want, .data.u32 = (uint32_t)(c - cs)};
  epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
  c->interest = want;
}

static void kill_conn(struct conn *c) {
  if (c->state == DEAD) return;
  if (c->state == OPEN) errors++;
  outstanding -= (uint64_t)c->count;
  c->count = 0;
  epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
  close(c->fd);
  c->state = DEAD;
}

static void enqueue(struct conn *c) {
  if (stop_sending) return;
  if (sent_msgs >= opt.max_msgs) {
    capped = 1;
    return;
  }
  c->ts[(c->head + c->count) % opt.inflight] = now_ns;
  c->count++;
  c->out_pending += (uint64_t)opt.size;
  sent_msgs++;
  outstanding++;
}

static void flush(struct conn *c) {
  while (c->out_pending > 0) {
    size_t n = c->out_pending < IO_BUF ? (size_t)c->out_pending : IO_BUF;
    ssize_t w = send(c->fd, sendbuf, n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        set_interest(c, EPOLLIN | EPOLLOUT);
        return;
      }
      kill_conn(c);
      return;
    }
    c->out_pending -= (uint64_t)w;
  }
  set_interest(c, EPOLLIN);
}

static void on_readable(struct conn *c) {
  for (int rounds = 0; rounds < 8; rounds++) {
    ssize_t n = recv(c->fd, recvbuf, IO_BUF, 0);
    if (n == 0) {
      kill_conn(c);
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) kill_conn(c);
      break;
    }
    c->in_partial += (uint64_t)n;
    while (c->in_partial >= (uint64_t)opt.size && c->count > 0) {
      c->in_partial -= (uint64_t)opt.size;
      uint64_t lat = now_ns - c->ts[c->head];
      c->head = (c->head + 1) % opt.inflight;
      c->count--;
      outstanding--;
      if (in_window) {
        round_trips++;
        hist[hist_index(lat)]++;
        lat_sum_ns += lat;
        if (lat > lat_max_ns) lat_max_ns = lat;
      }
      enqueue(c);
    }
    if (n < IO_BUF) break;
  }
  if (c->state == OPEN && c->out_pending > 0) flush(c);
}

static int open_conn(struct conn *c, struct sockaddr_in *addr) {
  c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0) return -1;
  int r = connect(c->fd, (struct sockaddr *)addr, sizeof *addr);
  if (r != 0 && errno != EINPROGRESS) {
    close(c->fd);
    return -1;
  }
  c->state = CONNECTING;
  c->interest = EPOLLOUT;
  struct epoll_event ev = {.events = EPOLLOUT, .data.u32 = (uint32_t)(c - cs)};
  epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
  return 0;
}

static long arg_long(const char *s) { return strtol(s, NULL, 10); }

static int parse(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(k, "--wait-stdin")) {
      opt.wait_stdin = 1;
      continue;
    }
    if (!v) return -1;
    i++;
    if (!strcmp(k, "--host")) opt.host = v;
    else if (!strcmp(k, "--port")) opt.port = (int)arg_long(v);
    else if (!strcmp(k, "--conns")) opt.conns = (int)arg_long(v);
    else if (!strcmp(k, "--active")) opt.active = (int)arg_long(v);
    else if (!strcmp(k, "--inflight")) opt.inflight = (int)arg_long(v);
    else if (!strcmp(k, "--size")) opt.size = (int)arg_long(v);
    else if (!strcmp(k, "--warmup-ms")) opt.warmup_ms = arg_long(v);
    else if (!strcmp(k, "--duration-ms")) opt.duration_ms = arg_long(v);
    else if (!strcmp(k, "--drain-ms")) opt.drain_ms = arg_long(v);
    else if (!strcmp(k, "--connect-batch")) opt.batch = (int)arg_long(v);
    else if (!strcmp(k, "--connect-timeout-ms")) opt.connect_timeout_ms = arg_long(v);
    else if (!strcmp(k, "--wait-timeout-ms")) opt.wait_timeout_ms = arg_long(v);
    else if (!strcmp(k, "--max-msgs")) opt.max_msgs = (uint64_t)strtoull(v, NULL, 10);
    else if (!strcmp(k, "--server-pid")) opt.server_pid = (int)arg_long(v);
    else return -1;
  }
  if (opt.active < 0 || opt.active > opt.conns) opt.active = opt.conns;
  if (opt.port <= 0 || opt.conns <= 0 || opt.inflight <= 0 || opt.size <= 0 || opt.batch <= 0) return -1;
  if (opt.duration_ms <= 0 || opt.duration_ms > 600000 || opt.warmup_ms < 0) return -1;
  return 0;
}

/* Connects every connection; returns how many are open. */
static int connect_all(struct sockaddr_in *addr, int *failed, double *ms) {
  struct epoll_event evs[MAX_EVENTS];
  int next = 0, pending = 0, open_n = 0;
  uint64_t t0 = mono_ns(), deadline = t0 + (uint64_t)opt.connect_timeout_ms * 1000000ull;
  while ((next < opt.conns || pending > 0) && mono_ns() < deadline) {
    while (next < opt.conns && pending < opt.batch) {
      if (open_conn(&cs[next], addr) == 0) pending++;
      next++;
    }
    int n = epoll_wait(ep, evs, MAX_EVENTS, 100);
    for (int i = 0; i < n; i++) {
      struct conn *c = &cs[evs[i].data.u32];
      if (c->state != CONNECTING) continue;
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      pending--;
      if (err != 0) {
        c->state = DEAD;
        epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
        continue;
      }
      int one = 1;
      setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      c->state = OPEN;
      set_interest(c, EPOLLIN);
      open_n++;
    }
  }
  for (int i = 0; i < next; i++) /* still connecting at the deadline: give up on them */
    if (cs[i].state == CONNECTING) {
      epoll_ctl(ep, EPOLL_CTL_DEL, cs[i].fd, NULL);
      close(cs[i].fd);
      cs[i].state = DEAD;
    }
  *failed = opt.conns - open_n;
  *ms = (double)(mono_ns() - t0) / 1e6;
  return open_n;
}

static int wait_for_line(void) {
  struct epoll_event ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
  if (epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev) != 0) return -1;
  struct epoll_event evs[MAX_EVENTS];
  uint64_t deadline = mono_ns() + (uint64_t)opt.wait_timeout_ms * 1000000ull;
  while (mono_ns() < deadline) {
    int n = epoll_wait(ep, evs, MAX_EVENTS, 200);
    for (int i = 0; i < n; i++) {
      if (evs[i].data.u32 != UINT32_MAX) { /* an idle connection closed by the server */
        struct conn *c = &cs[evs[i].data.u32];
        if (c->state != OPEN) continue;
        ssize_t r = recv(c->fd, recvbuf, IO_BUF, 0);
        if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) kill_conn(c);
        continue;
      }
      char line[256];
      ssize_t r = read(0, line, sizeof line);
      epoll_ctl(ep, EPOLL_CTL_DEL, 0, NULL);
      return r > 0 ? 0 : -1;
    }
  }
  return -1;
}

int main(int argc, char **argv) {
  if (parse(argc, argv) != 0) {
    fprintf(stderr,
            "usage: loadgen --port N [--host H] [--conns N] [--active A] [--inflight K] [--size S]\n"
            "  [--warmup-ms W] [--duration-ms D] [--drain-ms D] [--max-msgs M] [--server-pid P]\n"
            "  [--connect-batch B] [--connect-timeout-ms T] [--wait-stdin] [--wait-timeout-ms T]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  memset(sendbuf, 'x', sizeof sendbuf);
  cs = calloc((size_t)opt.conns, sizeof *cs);
  uint64_t *rings = calloc((size_t)opt.conns * (size_t)opt.inflight, sizeof *rings);
  for (int i = 0; i < opt.conns; i++) {
    cs[i].ts = rings + (size_t)i * (size_t)opt.inflight;
    cs[i].active = i < opt.active;
    cs[i].state = DEAD;
  }
  ep = epoll_create1(EPOLL_CLOEXEC);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)opt.port)};
  if (inet_pton(AF_INET, opt.host, &addr.sin_addr) != 1) {
    fprintf(stderr, "loadgen: bad IPv4 host '%s'\n", opt.host);
    return 2;
  }
  int failed = 0;
  double connect_ms = 0;
  int connected = connect_all(&addr, &failed, &connect_ms);
  if (opt.wait_stdin) {
    printf("{\"event\":\"connected\",\"connected\":%d,\"failed\":%d,\"connectMs\":%.1f}\n", connected, failed,
           connect_ms);
    fflush(stdout);
    if (wait_for_line() != 0) {
      fprintf(stderr, "loadgen: no go-ahead line on stdin in time\n");
      return 3;
    }
  }

  now_ns = mono_ns();
  for (int i = 0; i < opt.conns; i++) {
    struct conn *c = &cs[i];
    if (c->state != OPEN || !c->active) continue;
    for (int k = 0; k < opt.inflight; k++) enqueue(c);
    flush(c);
  }
  uint64_t win_start = now_ns + (uint64_t)opt.warmup_ms * 1000000ull;
  uint64_t win_end = win_start + (uint64_t)opt.duration_ms * 1000000ull;
  uint64_t drain_end = win_end + (uint64_t)opt.drain_ms * 1000000ull;
  uint64_t t_start = 0, t_end = 0;
  double srv0 = -1, srv1 = -1, cli0 = 0, cli1 = 0;
  struct epoll_event evs[MAX_EVENTS];
  for (;;) {
    now_ns = mono_ns();
    if (!in_window && t_start == 0 && now_ns >= win_start) {
      in_window = 1;
      t_start = now_ns;
      srv0 = proc_cpu_sec(opt.server_pid);
      cli0 = self_cpu_sec();
    }
    if (in_window && now_ns >= win_end) {
      in_window = 0;
      stop_sending = 1;
      t_end = now_ns;
      srv1 = proc_cpu_sec(opt.server_pid);
      cli1 = self_cpu_sec();
    }
    if (stop_sending && (outstanding == 0 || now_ns >= drain_end)) break;
    if (t_start == 0 && outstanding == 0 && sent_msgs > 0 && capped) break;
    uint64_t next = t_start == 0 ? win_start : in_window ? win_end : drain_end;
    int timeout = next > now_ns ? (int)((next - now_ns) / 1000000ull) + 1 : 0;
    if (timeout > 100) timeout = 100;
    int n = epoll_wait(ep, evs, MAX_EVENTS, timeout);
    if (n < 0 && errno != EINTR) break;
    now_ns = mono_ns();
    for (int i = 0; i < n; i++) {
      struct conn *c = &cs[evs[i].data.u32];
      if (c->state != OPEN) continue;
      if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(c);
      if (c->state == OPEN && (evs[i].events & EPOLLOUT)) flush(c);
    }
  }
  if (t_end == 0) { /* the window never closed normally (cap or every connection lost) */
    t_end = mono_ns();
    if (t_start == 0) t_start = t_end;
    srv1 = proc_cpu_sec(opt.server_pid);
    cli1 = self_cpu_sec();
  }
  for (int i = 0; i < opt.conns; i++)
    if (cs[i].state != DEAD) {
      close(cs[i].fd);
      cs[i].state = DEAD;
    }
  double secs = (double)(t_end - t_start) / 1e9;
  printf("{\"conns\":%d,\"connected\":%d,\"connectFailed\":%d,\"connectMs\":%.1f,\"active\":%d,\"inflight\":%d,"
         "\"size\":%d,\"warmupMs\":%ld,\"durationMs\":%.3f,\"roundTrips\":%llu,\"rtPerSec\":%.1f,",
         opt.conns, connected, failed, connect_ms, opt.active, opt.inflight, opt.size, opt.warmup_ms, secs * 1e3,
         (unsigned long long)round_trips, secs > 0 ? (double)round_trips / secs : 0.0);
  printf("\"latencyUs\":{\"mean\":%.2f,\"p50\":%.2f,\"p90\":%.2f,\"p99\":%.2f,\"p999\":%.2f,\"max\":%.2f},",
         round_trips ? (double)lat_sum_ns / (double)round_trips / 1e3 : 0.0, percentile_us(0.5), percentile_us(0.9),
         percentile_us(0.99), percentile_us(0.999), (double)lat_max_ns / 1e3);
  printf("\"histogramNs\":[");
  int first = 1;
  for (int i = 0; i < HIST_BUCKETS; i++) {
    if (!hist[i]) continue;
    uint64_t lo, hi;
    hist_bounds(i, &lo, &hi);
    printf("%s[%llu,%llu,%llu]", first ? "" : ",", (unsigned long long)lo, (unsigned long long)hi,
           (unsigned long long)hist[i]);
    first = 0;
  }
  printf("],\"serverCpuSec\":");
  if (srv0 >= 0 && srv1 >= 0) printf("%.4f", srv1 - srv0);
  else printf("null");
  printf(",\"clientCpuSec\":%.4f,\"errors\":%llu,\"capped\":%s,\"sent\":%llu}\n", cli1 - cli0,
         (unsigned long long)errors, capped ? "true" : "false", (unsigned long long)sent_msgs);
  free(rings);
  free(cs);
  close(ep);
  return 0;
}
