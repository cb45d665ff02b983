/* The ceiling for bench/run: how many messages per second this kernel carries over one
 * SCTP association on 127.0.0.1, one-to-many sockets, blocking sendmsg with nodelay in one
 * thread and recvmsg in another, kernel default buffers. Prints the same tab-separated
 * lines as gen_sctp_bench (impl, round, case, metric, value) to the file given.
 *
 * sctp_c_bench ROUND SECONDS OUTFILE SIZE...
 */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <linux/sctp.h>

#define WARMUP_MS 300
#define RECV_BUF (256 * 1024)

static atomic_int stop;

struct sender_args {
	int fd;
	struct sockaddr_in to;
	size_t size;
};

static void die(const char *what)
{
	perror(what);
	exit(1);
}

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double cpu_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1e6 + ru.ru_utime.tv_usec +
	       ru.ru_stime.tv_usec;
}

static int sctp_socket(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
				  .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int one = 1;
	int fd = socket(AF_INET, SOCK_SEQPACKET, IPPROTO_SCTP);
	if (fd < 0)
		die("socket");
	if (setsockopt(fd, IPPROTO_SCTP, SCTP_NODELAY, &one, sizeof one) < 0)
		die("SCTP_NODELAY");
	if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
		die("bind");
	return fd;
}

static void *sender(void *p)
{
	struct sender_args *a = p;
	char *buf = calloc(1, a->size);
	while (!atomic_load(&stop)) {
		if (sendto(a->fd, buf, a->size, 0, (struct sockaddr *)&a->to, sizeof a->to) < 0 &&
		    errno != EINTR)
			die("sendto");
	}
	free(buf);
	return NULL;
}

/* One whole message, or -1 after a 100 ms timeout. Notifications count as 0. */
static long recv_message(int fd, char *buf)
{
	for (;;) {
		struct iovec iov = { .iov_base = buf, .iov_len = RECV_BUF };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &msg, 0);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return -1;
			die("recvmsg");
		}
		if (msg.msg_flags & MSG_EOR)
			return (msg.msg_flags & MSG_NOTIFICATION) ? 0 : 1;
	}
}

static void run(const char *round, double seconds, FILE *out, size_t size)
{
	int server = sctp_socket(), client = sctp_socket();
	struct sockaddr_in to;
	socklen_t len = sizeof to;
	struct timeval tv = { .tv_sec = 0, .tv_usec = 100000 };
	char *buf = malloc(RECV_BUF);
	pthread_t thread;
	struct sender_args args;
	double t0, t1, c0, c1, end;
	long n = 0, got;

	if (listen(server, 5) < 0 || getsockname(server, (struct sockaddr *)&to, &len) < 0)
		die("listen");
	setsockopt(server, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	args = (struct sender_args){ .fd = client, .to = to, .size = size };
	atomic_store(&stop, 0);
	if (pthread_create(&thread, NULL, sender, &args))
		die("pthread_create");
	end = now_ms() + WARMUP_MS;
	while (now_ms() < end)
		recv_message(server, buf);
	t0 = now_ms();
	c0 = cpu_us();
	end = t0 + seconds * 1000;
	while (now_ms() < end)
		if ((got = recv_message(server, buf)) > 0)
			n += got;
	t1 = now_ms();
	c1 = cpu_us();
	atomic_store(&stop, 1);
	/* Keep reading until the sender, maybe blocked on a full buffer, has stopped. */
	while (pthread_tryjoin_np(thread, NULL) != 0)
		recv_message(server, buf);
	close(client);
	close(server);
	free(buf);
	fprintf(out, "c\t%s\ttput/1/%zu/passive\tmsgs_per_s\t%.0f\n", round, size,
		n * 1000.0 / (t1 - t0));
	fprintf(out, "c\t%s\ttput/1/%zu/passive\tcpu_us_per_msg\t%.2f\n", round, size,
		n ? (c1 - c0) / n : 0.0);
	printf("c %s tput/1/%zu/passive msgs_per_s %.0f\n", round, size, n * 1000.0 / (t1 - t0));
	fflush(out);
}

int main(int argc, char **argv)
{
	FILE *out;
	if (argc < 5) {
		fprintf(stderr, "usage: %s ROUND SECONDS OUTFILE SIZE...\n", argv[0]);
		return 2;
	}
	out = fopen(argv[3], "a");
	if (!out)
		die(argv[3]);
	for (int i = 4; i < argc; i++)
		run(argv[1], atof(argv[2]), out, strtoul(argv[i], NULL, 10));
	fclose(out);
	return 0;
}
