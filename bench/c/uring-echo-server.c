/*
 * uring-echo-server.c: the completion-based physical reference of the echo benchmark (B1). A
 * plain C io_uring echo server on liburing 2.3 (Debian liburing-dev), one thread: a multishot
 * ACCEPT, a multishot RECV per connection into one provided-buffer ring, and at most one SEND in
 * flight per connection (bytes that arrive meanwhile are gathered and sent when it completes,
 * so the echo stays in order). One io_uring_submit_and_wait per iteration submits every SQE
 * prepared while handling the previous batch of completions.
 *
 * liburing 2.3 has io_uring_register_buf_ring but not io_uring_setup_buf_ring, so the buffer
 * ring is mapped (page-aligned, mmap) and registered by hand.
 *
 * `--fixed-files` registers each connection's descriptor in the ring's file table
 * (IORING_REGISTER_FILES_UPDATE at the same index as the fd, one io_uring_register per accept and
 * per close) and issues its RECV and SENDs with IOSQE_FIXED_FILE: the kernel then takes no file
 * reference per request (no fget/fput). It measures what registered files save a server like
 * this one (docs/backends/io_uring-cost.md); without the flag nothing is registered.
 *
 * usage: uring-echo-server [--host 127.0.0.1] [--port N] [--fixed-files]
 * Prints "listening on <host>:<port>" once ready; stops on SIGINT/SIGTERM.
 * Built by bench/run.ts with `cc -O2 ... -luring` into bench/build/ (see bench/README.md).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <liburing.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#define BUF_COUNT 4096 /* provided buffers (power of two) */
#define BUF_SIZE 16384
#define BGID 0
#define OP_ACCEPT 0ULL
#define OP_RECV 1ULL
#define OP_SEND 2ULL

struct conn {
  char *out; /* bytes waiting for the SEND in flight to complete */
  size_t outLen, outCap;
  char *inflight; /* the bytes of the SEND in flight */
  size_t inflightLen, inflightOff, inflightCap;
  int sending, open;
  int fixed; /* registered in the file table at index fd (--fixed-files) */
};

static volatile sig_atomic_t stopping = 0;
static struct conn *conns;
static int max_fds;
static struct io_uring ring;
static struct io_uring_buf_ring *br;
static char *bufs;
static int lfd;
static int fixed_files = 0;   /* --fixed-files */
static int file_table = 0;    /* entries in the sparse file table (fds below it are registered) */

static void on_signal(int sig) {
  (void)sig;
  stopping = 1;
}

static struct io_uring_sqe *sqe_get(void) {
  struct io_uring_sqe *sqe = io_uring_get_sqe(&ring);
  if (sqe == NULL) { /* SQ full: hand what is prepared to the kernel, then take one */
    io_uring_submit(&ring);
    sqe = io_uring_get_sqe(&ring);
  }
  return sqe;
}

static void arm_accept(void) {
  struct io_uring_sqe *sqe = sqe_get();
  io_uring_prep_multishot_accept(sqe, lfd, NULL, NULL, SOCK_CLOEXEC);
  io_uring_sqe_set_data64(sqe, OP_ACCEPT);
}

static void arm_recv(int fd) {
  struct io_uring_sqe *sqe = sqe_get();
  io_uring_prep_recv_multishot(sqe, fd, NULL, 0, 0);
  sqe->flags |= IOSQE_BUFFER_SELECT | (conns[fd].fixed ? IOSQE_FIXED_FILE : 0);
  sqe->buf_group = BGID;
  io_uring_sqe_set_data64(sqe, ((unsigned long long)fd << 2) | OP_RECV);
}

static void grow(char **p, size_t *cap, size_t need) {
  if (need <= *cap) return;
  size_t c = *cap ? *cap : 4096;
  while (c < need) c *= 2;
  *p = realloc(*p, c);
  *cap = c;
}

static void start_send(int fd) {
  struct conn *c = &conns[fd];
  if (c->sending) return;
  if (c->inflightOff >= c->inflightLen) { /* take what was gathered */
    if (c->outLen == 0) return;
    char *t = c->inflight;
    size_t tc = c->inflightCap;
    c->inflight = c->out;
    c->inflightCap = c->outCap;
    c->inflightLen = c->outLen;
    c->inflightOff = 0;
    c->out = t;
    c->outCap = tc;
    c->outLen = 0;
  }
  struct io_uring_sqe *sqe = sqe_get();
  io_uring_prep_send(sqe, fd, c->inflight + c->inflightOff, c->inflightLen - c->inflightOff, MSG_NOSIGNAL);
  if (c->fixed) sqe->flags |= IOSQE_FIXED_FILE;
  io_uring_sqe_set_data64(sqe, ((unsigned long long)fd << 2) | OP_SEND);
  c->sending = 1;
}

static void close_conn(int fd) {
  struct conn *c = &conns[fd];
  if (!c->open) return;
  c->open = 0;
  c->outLen = c->inflightLen = c->inflightOff = 0;
  if (c->fixed) { /* the table's reference would keep the socket open past close() */
    int none = -1;
    io_uring_register_files_update(&ring, (unsigned)fd, &none, 1);
    c->fixed = 0;
  }
  close(fd); /* a SEND still in flight completes with an error and finds the conn closed */
}

static void recycle(int bid) {
  io_uring_buf_ring_add(br, bufs + (size_t)bid * BUF_SIZE, BUF_SIZE, (unsigned short)bid,
                        io_uring_buf_ring_mask(BUF_COUNT), 0);
  io_uring_buf_ring_advance(br, 1);
}

static void on_cqe(struct io_uring_cqe *cqe) {
  unsigned long long ud = io_uring_cqe_get_data64(cqe);
  int res = cqe->res;
  int fd = (int)(ud >> 2);
  switch (ud & 3) {
  case OP_ACCEPT:
    if (res >= 0 && res < max_fds) {
      int one = 1;
      setsockopt(res, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      conns[res].open = 1;
      conns[res].sending = 0;
      conns[res].fixed =
          fixed_files && res < file_table && io_uring_register_files_update(&ring, (unsigned)res, &res, 1) == 1;
      arm_recv(res);
    } else if (res >= 0)
      close(res);
    if (!(cqe->flags & IORING_CQE_F_MORE) && !stopping) arm_accept();
    break;
  case OP_RECV: {
    struct conn *c = &conns[fd];
    if (cqe->flags & IORING_CQE_F_BUFFER) {
      int bid = (int)(cqe->flags >> IORING_CQE_BUFFER_SHIFT);
      if (res > 0 && c->open) {
        grow(&c->out, &c->outCap, c->outLen + (size_t)res);
        memcpy(c->out + c->outLen, bufs + (size_t)bid * BUF_SIZE, (size_t)res);
        c->outLen += (size_t)res;
        start_send(fd);
      }
      recycle(bid);
    }
    if (!(cqe->flags & IORING_CQE_F_MORE) && c->open) {
      if (res == -ENOBUFS) arm_recv(fd); /* ran dry: buffers were recycled above, go again */
      else if (res <= 0) close_conn(fd); /* EOF or an error */
      else arm_recv(fd);
    }
    break;
  }
  case OP_SEND: {
    struct conn *c = &conns[fd];
    c->sending = 0;
    if (!c->open) break;
    if (res < 0) {
      close_conn(fd);
      break;
    }
    c->inflightOff += (size_t)res;
    start_send(fd);
    break;
  }
  }
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1";
  int port = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--host") && i + 1 < argc) host = argv[++i];
    else if (!strcmp(argv[i], "--port") && i + 1 < argc) port = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--fixed-files")) fixed_files = 1;
    else {
      fprintf(stderr, "usage: uring-echo-server [--host 127.0.0.1] [--port N] [--fixed-files]\n");
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

  struct sigaction sa = {.sa_handler = on_signal}; /* no SA_RESTART: the wait returns -EINTR */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);

  /* This thread is the only one that submits and it always waits in io_uring_enter itself, so
   * completions may be deferred to that call (DEFER_TASKRUN). */
  struct io_uring_params p = {0};
  p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
  p.cq_entries = 16384;
  int r = io_uring_queue_init_params(4096, &ring, &p);
  if (r < 0) {
    fprintf(stderr, "uring-echo-server: io_uring_queue_init: %s\n", strerror(-r));
    return 1;
  }
  if (fixed_files) {
    file_table = max_fds < 65536 ? max_fds : 65536;
    r = io_uring_register_files_sparse(&ring, (unsigned)file_table);
    if (r < 0) {
      fprintf(stderr, "uring-echo-server: io_uring_register_files_sparse: %s\n", strerror(-r));
      return 1;
    }
  }
  /* The provided-buffer ring, mapped and registered by hand (no io_uring_setup_buf_ring in 2.3). */
  size_t ringBytes = BUF_COUNT * sizeof(struct io_uring_buf);
  br = mmap(NULL, ringBytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  bufs = mmap(NULL, (size_t)BUF_COUNT * BUF_SIZE, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (br == MAP_FAILED || bufs == MAP_FAILED) {
    perror("uring-echo-server: mmap");
    return 1;
  }
  struct io_uring_buf_reg reg = {.ring_addr = (unsigned long)br, .ring_entries = BUF_COUNT, .bgid = BGID};
  r = io_uring_register_buf_ring(&ring, &reg, 0);
  if (r < 0) {
    fprintf(stderr, "uring-echo-server: io_uring_register_buf_ring: %s\n", strerror(-r));
    return 1;
  }
  io_uring_buf_ring_init(br);
  for (int i = 0; i < BUF_COUNT; i++)
    io_uring_buf_ring_add(br, bufs + (size_t)i * BUF_SIZE, BUF_SIZE, (unsigned short)i,
                          io_uring_buf_ring_mask(BUF_COUNT), i);
  io_uring_buf_ring_advance(br, BUF_COUNT);

  lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
  if (inet_pton(AF_INET, host, &addr.sin_addr) != 1) {
    fprintf(stderr, "uring-echo-server: bad IPv4 host '%s'\n", host);
    return 2;
  }
  if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(lfd, 4096) != 0) {
    perror("uring-echo-server: bind/listen");
    return 1;
  }
  socklen_t alen = sizeof addr;
  getsockname(lfd, (struct sockaddr *)&addr, &alen);
  arm_accept();
  printf("listening on %s:%d\n", host, ntohs(addr.sin_port));
  fflush(stdout);

  while (!stopping) {
    r = io_uring_submit_and_wait(&ring, 1);
    if (r < 0 && r != -EINTR && r != -ETIME && r != -EBUSY) {
      fprintf(stderr, "uring-echo-server: io_uring_submit_and_wait: %s\n", strerror(-r));
      break;
    }
    struct io_uring_cqe *cqe;
    unsigned head, n = 0;
    io_uring_for_each_cqe(&ring, head, cqe) {
      on_cqe(cqe);
      n++;
    }
    io_uring_cq_advance(&ring, n);
  }
  for (int fd = 0; fd < max_fds; fd++)
    if (conns[fd].open) close(fd);
  close(lfd);
  io_uring_queue_exit(&ring);
  return 0;
}
