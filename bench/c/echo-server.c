/*
 * echo-server.c: the physical reference of the echo benchmark (B1). A plain C epoll echo server,
 * level-triggered, one thread, the way a careful C programmer writes it: read what is there,
 * write it straight back, buffer only what the socket did not take (and stop reading that
 * connection until it drained).
 *
 * usage: echo-server [--host 127.0.0.1] [--port N]
 * Prints "listening on <host>:<port>" once ready; stops on SIGINT/SIGTERM.
 * Built by bench/run.ts with `cc -O2` into bench/build/ (see bench/README.md).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define READ_BUF (64 * 1024)
#define MAX_EVENTS 256

struct conn {
  char *pending; /* bytes the socket did not take yet */
  size_t len, off, cap;
};

static volatile sig_atomic_t stopping = 0;
static struct conn *conns;
static int max_fds;

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static void set_interest(int ep, int fd, unsigned events) {
  struct epoll_event ev = {.events = events, .data.fd = fd};
  epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev);
}

static void drop(int ep, int fd) {
  epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL);
  close(fd);
  free(conns[fd].pending);
  memset(&conns[fd], 0, sizeof conns[fd]);
}

/* Keeps bytes [p, p+n) for later; returns -1 when out of memory. */
static int keep(struct conn *c, const char *p, size_t n) {
  size_t live = c->len - c->off;
  if (c->off > 0) {
    memmove(c->pending, c->pending + c->off, live);
    c->off = 0;
    c->len = live;
  }
  if (live + n > c->cap) {
    size_t cap = c->cap ? c->cap : 4096;
    while (cap < live + n) cap *= 2;
    char *next = realloc(c->pending, cap);
    if (!next) return -1;
    c->pending = next;
    c->cap = cap;
  }
  memcpy(c->pending + c->len, p, n);
  c->len += n;
  return 0;
}

/* Writes what is pending; returns 1 when drained, 0 when the socket is full, -1 on error. */
static int flush(int fd, struct conn *c) {
  while (c->off < c->len) {
    ssize_t w = send(fd, c->pending + c->off, c->len - c->off, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      return -1;
    }
    c->off += (size_t)w;
  }
  c->off = c->len = 0;
  return 1;
}

static void on_readable(int ep, int fd, char *buf) {
  struct conn *c = &conns[fd];
  for (int rounds = 0; rounds < 16; rounds++) { /* bounded: other connections get their turn */
    ssize_t n = recv(fd, buf, READ_BUF, 0);
    if (n == 0) {
      drop(ep, fd);
      return;
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) drop(ep, fd);
      return;
    }
    ssize_t w = send(fd, buf, (size_t)n, MSG_NOSIGNAL);
    if (w < 0) {
      if (errno != EAGAIN && errno != EWOULDBLOCK) {
        drop(ep, fd);
        return;
      }
      w = 0;
    }
    if (w < n) {
      if (keep(c, buf + w, (size_t)(n - w)) != 0) {
        drop(ep, fd);
        return;
      }
      set_interest(ep, fd, EPOLLOUT); /* stop reading until the backlog drained */
      return;
    }
    if (n < READ_BUF) return;
  }
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  int port = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
    else if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: echo-server [--host 127.0.0.1] [--port N]\n");
      return 2;
    }
  }
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
  }
  max_fds = rl.rlim_cur > 1 << 20 ? 1 << 20 : (int)rl.rlim_cur;
  conns = calloc((size_t)max_fds, sizeof *conns);

  struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: epoll_wait returns EINTR */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "echo-server: bad IPv4 host '%s'\n", host);
    return 2;
  }
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 4096) != 0) {
    perror("echo-server: bind/listen");
    return 1;
  }
  socklen_t alen = sizeof addr;
  getsockname(lfd, (struct sockaddr *)&addr, &alen);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event lev = {.events = EPOLLIN, .data.fd = lfd};
  epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &lev);
  printf("listening on %s:%d\n", host, ntohs(addr.sin_port));
  fflush(stdout);

  char *buf = malloc(READ_BUF);
  struct epoll_event events[MAX_EVENTS];
  while (!stopping) {
    int n = epoll_wait(ep, events, MAX_EVENTS, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      perror("echo-server: epoll_wait");
      break;
    }
    for (int i = 0; i < n; i++) {
      int fd = events[i].data.fd;
      if (fd == lfd) {
        for (int k = 0; k < 128; k++) { /* bounded accept burst, like asyncio's backlog loop */
          int cfd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
          if (cfd < 0) break;
          if (cfd >= max_fds) {
            close(cfd);
            continue;
          }
          setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
          struct epoll_event cev = {.events = EPOLLIN, .data.fd = cfd};
          epoll_ctl(ep, EPOLL_CTL_ADD, cfd, &cev);
        }
        continue;
      }
      unsigned ev = events[i].events;
      if (ev & EPOLLOUT) {
        int r = flush(fd, &conns[fd]);
        if (r < 0) drop(ep, fd);
        else if (r == 1) set_interest(ep, fd, EPOLLIN);
      } else if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        on_readable(ep, fd, buf);
      }
    }
  }
  for (int fd = 0; fd < max_fds; fd++)
    if (conns[fd].pending) free(conns[fd].pending);
  close(ep);
  close(lfd);
  free(buf);
  free(conns);
  return 0;
}
