#ifndef CLINUXSHIMS_H
#define CLINUXSHIMS_H
#include <stdint.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <signal.h>
#include <stddef.h>

// epoll, eventfd and accept4 are not in Swift's Glibc module; these wrap them once.

typedef struct {
    uint32_t events;
    uint64_t data;
} clinux_epoll_event;

int clinux_epoll_create(void);
int clinux_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
int clinux_epoll_wait(int epfd, clinux_epoll_event *events, int maxevents, int timeout_ms);

int clinux_eventfd(void);
int clinux_accept4(int fd, struct sockaddr *addr, socklen_t *len);

extern const int CLINUX_EPOLL_CTL_ADD;
extern const int CLINUX_EPOLL_CTL_MOD;
extern const int CLINUX_EPOLL_CTL_DEL;
extern const uint32_t CLINUX_EPOLLIN;
extern const uint32_t CLINUX_EPOLLOUT;
extern const uint32_t CLINUX_EPOLLERR;
extern const uint32_t CLINUX_EPOLLHUP;
extern const uint32_t CLINUX_EPOLLRDHUP;
extern const uint32_t CLINUX_EPOLLONESHOT;
extern const uint32_t CLINUX_EPOLLET;

// Signal masks for a dedicated signal thread (sigwait), so no other thread is interrupted.
int clinux_block_signals(const int *signals, int count);
int clinux_wait_signal(const int *signals, int count);

// The heap as glibc's malloc sees it (mallinfo2, which Swift's Glibc module does not import):
// bytes handed out and not freed, and bytes freed but still held by the process.
typedef struct {
    size_t in_use;
    size_t free_held;
} clinux_heap_usage;
clinux_heap_usage clinux_heap(void);
// Gives freed heap memory back to the system (malloc_trim); 1 if any was.
int clinux_heap_trim(void);
// Caps glibc's malloc arenas (mallopt M_ARENA_MAX) unless MALLOC_ARENA_MAX says otherwise;
// 1 if set. glibc's default, 8 a core, spreads freed memory over as many arenas as threads.
int clinux_limit_heap_arenas(int arenas);

#endif
