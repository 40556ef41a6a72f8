/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsp_test: what kmod/vmbus/vsp.c takes from the kernel and from
 * kmod/vmbus/vmbus.h, in user space. struct vmbus_vsp, struct vmbus_vm_vsp
 * and the parts of struct vmbus_vm that vsp.c uses are copies of
 * include/hvkvm/vmbus_host.h's and kmod/vmbus/vmbus.h's: keep them alike
 * (vsp.c does not build here when it uses more than this gives).
 */
#ifndef VSP_MOCK_VMBUS_H
#define VSP_MOCK_VMBUS_H

#include <assert.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* ---- lists (the kernel's, reduced) ---- */

struct list_head {
	struct list_head *next, *prev;
};

#define LIST_HEAD(name) struct list_head name = { &(name), &(name) }
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define list_entry(ptr, type, member) container_of(ptr, type, member)

static inline void INIT_LIST_HEAD(struct list_head *h)
{
	h->next = h->prev = h;
}

static inline void list_add_tail(struct list_head *n, struct list_head *h)
{
	n->prev = h->prev;
	n->next = h;
	h->prev->next = n;
	h->prev = n;
}

static inline void list_del(struct list_head *n)
{
	n->prev->next = n->next;
	n->next->prev = n->prev;
	n->next = n->prev = NULL;
}

#define list_for_each_entry(pos, head, member)				\
	for (pos = list_entry((head)->next, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.next, __typeof__(*pos), member))
#define list_for_each_entry_reverse(pos, head, member)			\
	for (pos = list_entry((head)->prev, __typeof__(*pos), member);	\
	     &pos->member != (head);					\
	     pos = list_entry(pos->member.prev, __typeof__(*pos), member))

/* ---- locks: held or not, and by whom ---- */

struct mutex {
	pthread_mutex_t m;
	bool held;
};

#define DEFINE_MUTEX(name) struct mutex name = { PTHREAD_MUTEX_INITIALIZER, false }

static inline void mutex_lock(struct mutex *l)
{
	pthread_mutex_lock(&l->m);
	l->held = true;
}

static inline void mutex_unlock(struct mutex *l)
{
	assert(l->held);
	l->held = false;
	pthread_mutex_unlock(&l->m);
}

#define lockdep_assert_held(l) assert((l)->held)

#define READ_ONCE(x) (*(volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) (*(volatile __typeof__(x) *)&(x) = (v))

/* ---- modules ---- */

struct module {
	bool going;		/* being unloaded */
	int refs;
};

static inline bool try_module_get(struct module *m)
{
	if (m && m->going)
		return false;
	if (m)
		m->refs++;
	return true;
}

static inline void module_put(struct module *m)
{
	if (m)
		m->refs--;
}

#define EXPORT_SYMBOL_GPL(sym)
void vsp_test_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define pr_err(...) vsp_test_log(__VA_ARGS__)

/* ---- include/hvkvm/vmbus_host.h ---- */

struct vmbus_vm;

#define VMBUS_VSP_MAX		8

struct vmbus_vsp {
	const char *name;
	struct module *owner;
	int (*vm_attach)(struct vmbus_vm *vm);
	void (*vm_shutdown)(struct vmbus_vm *vm);
	void (*vm_detach)(struct vmbus_vm *vm);
	struct list_head node;
	unsigned int slot;
};

int vmbus_vsp_register(struct vmbus_vsp *vsp);
void vmbus_vsp_unregister(struct vmbus_vsp *vsp);
void *vmbus_vm_vsp_data(const struct vmbus_vm *vm, const struct vmbus_vsp *vsp);
void vmbus_vm_set_vsp_data(struct vmbus_vm *vm, const struct vmbus_vsp *vsp,
			   void *data);

/* ---- kmod/vmbus/vmbus.h ---- */

enum vmbus_vm_vsp_state {
	VMBUS_VSP_OFF,
	VMBUS_VSP_ATTACHED,
	VMBUS_VSP_DETACHING,
};

struct vmbus_vm_vsp {
	const struct vmbus_vsp *vsp;
	enum vmbus_vm_vsp_state state;
	void *data;
};

struct vmbus_vm {
	char name[32];
	struct mutex lock;
	struct list_head vsp_node;
	struct vmbus_vm_vsp vsps[VMBUS_VSP_MAX];
};

/* channel.c: the test's own, which logs it */
void vmbus_vsp_release_devices_locked(struct vmbus_vm *vm,
				      const struct vmbus_vsp *vsp);

void vmbus_vsps_attach_vm(struct vmbus_vm *vm);
void vmbus_vsps_shutdown_vm(struct vmbus_vm *vm);
void vmbus_vsps_detach_vm(struct vmbus_vm *vm,
			  void (*end)(struct vmbus_vm *vm));

#endif /* VSP_MOCK_VMBUS_H */
