// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for a worker's console socket, for hvadm_nl.sh: listen on a
 * unix stream socket, print "ready" on stdout, serve one client, exit.
 *
 * consrv PATH		greet, then answer each line with "echo: LINE";
 *			"bye" closes the connection (after "goodbye")
 * consrv PATH hold	greet, then keep the connection open, ignoring input,
 *			until the client leaves
 * consrv PATH close	greet, wait a second, say "later", close
 *
 * What the client sent is appended to PATH.in.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static void say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		exit(1);
}

int main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	bool hold = argc > 2 && !strcmp(argv[2], "hold");
	bool later = argc > 2 && !strcmp(argv[2], "close");
	char buf[4096], line[4096], path[4200], out[4200];
	size_t len = 0;
	ssize_t n, i;
	int lfd, fd;
	FILE *in;

	if (argc < 2 || strlen(argv[1]) >= sizeof(sun.sun_path))
		return 2;
	strcpy(sun.sun_path, argv[1]);
	snprintf(path, sizeof(path), "%s.in", argv[1]);
	unlink(argv[1]);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&sun, sizeof(sun)) ||
	    listen(lfd, 1))
		return 1;
	printf("ready\n");
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		return 1;
	in = fopen(path, "a");
	if (!in)
		return 1;
	say(fd, "hello from the guest\r\n");
	if (later) {
		sleep(1);
		say(fd, "later\r\n");
		close(fd);
		return 0;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		fwrite(buf, 1, n, in);
		fflush(in);
		for (i = 0; i < n && !hold; i++) {
			if (buf[i] != '\n' && len < sizeof(line) - 1) {
				line[len++] = buf[i];
				continue;
			}
			line[len] = '\0';
			len = 0;
			if (!strcmp(line, "bye")) {
				say(fd, "goodbye\r\n");
				close(fd);
				return 0;
			}
			snprintf(out, sizeof(out), "echo: %s\r\n", line);
			say(fd, out);
		}
	}
	close(fd);
	return 0;
}
