// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of VMBus's VSP registry (kmod/vmbus/vsp.c, built here with
 * vsp_mock/ in place of the kernel): which hooks run, in which order,
 * for which VMs, when a VSP registers and unregisters and a VM comes,
 * is stopped and goes; that a VSP's devices are released after its
 * vm_detach when it leaves a running VM and by the bus's end when the
 * VM goes; that no hook runs inside another; the refusals.
 */
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "vmbus.h"

static char ev[4096];		/* what happened, "; "-separated */
static int in_hook;
static int attached, detached;	/* hooks of a, for the threads' test */

static void say(const char *fmt, ...)
{
	size_t len = strlen(ev);
	va_list ap;

	if (len + 1 >= sizeof(ev))
		return;
	if (len)
		len += snprintf(ev + len, sizeof(ev) - len, "; ");
	va_start(ap, fmt);
	vsnprintf(ev + len, sizeof(ev) - len, fmt, ap);
	va_end(ap);
}

void vsp_test_log(const char *fmt, ...)
{
	char line[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	line[strcspn(line, "\n")] = 0;
	say("log \"%s\"", line);
}

/* A VSP of the tests: its hooks log, and check where they run. */
struct tvsp {
	struct vmbus_vsp vsp;
	struct module mod;
	int attach_err;		/* what vm_attach returns */
};

static const struct vmbus_vm_vsp *slot_of(const struct vmbus_vm *vm,
					  const struct tvsp *t)
{
	return &vm->vsps[t->vsp.slot];
}

static int hook(struct tvsp *t, struct vmbus_vm *vm, const char *what)
{
	const struct vmbus_vm_vsp *s = slot_of(vm, t);

	/* one hook at a time, not under the VM's mutex */
	assert(!__atomic_fetch_add(&in_hook, 1, __ATOMIC_SEQ_CST));
	usleep(20);		/* room for another thread to break in */
	assert(!vm->lock.held);
	if (!strcmp(t->vsp.name, "a") && !strcmp(what, "attach"))
		attached++;
	if (!strcmp(t->vsp.name, "a") && !strcmp(what, "detach"))
		detached++;
	say("%s %s %s", what, t->vsp.name, vm->name);
	if (!strcmp(what, "attach")) {
		assert(s->vsp == &t->vsp && s->state == VMBUS_VSP_ATTACHED);
		assert(!vmbus_vm_vsp_data(vm, &t->vsp));
		vmbus_vm_set_vsp_data(vm, &t->vsp, t);
	} else if (!strcmp(what, "detach")) {
		assert(s->vsp == &t->vsp && s->state == VMBUS_VSP_DETACHING);
		assert(vmbus_vm_vsp_data(vm, &t->vsp) == t);
	} else {
		assert(s->state == VMBUS_VSP_ATTACHED);
	}
	__atomic_fetch_sub(&in_hook, 1, __ATOMIC_SEQ_CST);
	return !strcmp(what, "attach") ? t->attach_err : 0;
}

#define TVSP(x)								\
static struct tvsp x;							\
static int x##_attach(struct vmbus_vm *vm) { return hook(&x, vm, "attach"); } \
static void x##_shutdown(struct vmbus_vm *vm) { hook(&x, vm, "shutdown"); } \
static void x##_detach(struct vmbus_vm *vm) { hook(&x, vm, "detach"); }	\
static void x##_init(void)						\
{									\
	memset(&x, 0, sizeof(x));					\
	x.vsp.name = #x;						\
	x.vsp.owner = &x.mod;						\
	x.vsp.vm_attach = x##_attach;					\
	x.vsp.vm_shutdown = x##_shutdown;				\
	x.vsp.vm_detach = x##_detach;					\
}

TVSP(a)
TVSP(b)
TVSP(c)

/* channel.c's, here: VMBus releases what devices of vsp remain in vm. */
void vmbus_vsp_release_devices_locked(struct vmbus_vm *vm,
				      const struct vmbus_vsp *vsp)
{
	assert(vm->lock.held && !in_hook);
	assert(vm->vsps[vsp->slot].vsp == vsp &&
	       vm->vsps[vsp->slot].state == VMBUS_VSP_DETACHING);
	say("release %s %s", vsp->name, vm->name);
}

/* The bus's end when the VM goes: after every VSP left it. */
static void end(struct vmbus_vm *vm)
{
	unsigned int i;

	assert(!vm->lock.held && !in_hook);
	for (i = 0; i < VMBUS_VSP_MAX; i++)
		assert(!vm->vsps[i].vsp && vm->vsps[i].state == VMBUS_VSP_OFF &&
		       !vm->vsps[i].data);
	say("end %s", vm->name);
}

static void vm_init(struct vmbus_vm *vm, const char *name)
{
	memset(vm, 0, sizeof(*vm));
	snprintf(vm->name, sizeof(vm->name), "%s", name);
	pthread_mutex_init(&vm->lock.m, NULL);
}

/* A worker attaches vm: VMBus tells the VSPs. */
static void vm_up(struct vmbus_vm *vm, const char *name)
{
	vm_init(vm, name);
	vmbus_vsps_attach_vm(vm);
}

static void vm_down(struct vmbus_vm *vm)
{
	vmbus_vsps_detach_vm(vm, end);
}

#define EXPECT_EV(s) do { EXPECT_STREQ(s, ev); ev[0] = 0; } while (0)

FIXTURE(vsp) {
	struct vmbus_vm vm1, vm2;
};

FIXTURE_SETUP(vsp)
{
	ev[0] = 0;
	a_init();
	b_init();
	c_init();
}

FIXTURE_TEARDOWN(vsp)
{
}

/* Registered under running VMs: each is attached; leaving, each released. */
TEST_F(vsp, register_and_unregister_under_running_vms)
{
	vm_up(&self->vm1, "vm1");
	vm_up(&self->vm2, "vm2");
	EXPECT_EV("");
	ASSERT_EQ(0, vmbus_vsp_register(&a.vsp));
	EXPECT_EV("attach a vm1; attach a vm2");
	EXPECT_EQ(&a, vmbus_vm_vsp_data(&self->vm1, &a.vsp));
	EXPECT_EQ(0, a.mod.refs);	/* no reference held meanwhile */
	vmbus_vsp_unregister(&a.vsp);
	/* vm_detach first, then VMBus releases what remains */
	EXPECT_EV("detach a vm1; release a vm1; detach a vm2; release a vm2");
	EXPECT_EQ(NULL, vmbus_vm_vsp_data(&self->vm1, &a.vsp));
	EXPECT_EQ((int)VMBUS_VSP_OFF, (int)slot_of(&self->vm2, &a)->state);
	EXPECT_EQ(0, a.mod.refs);
	/* Nothing of it is called any more. */
	vmbus_vsps_shutdown_vm(&self->vm1);
	vm_down(&self->vm1);
	vm_down(&self->vm2);
	EXPECT_EV("end vm1; end vm2");
}

/* A VM comes, is stopped and goes: every VSP, in order, then the end. */
TEST_F(vsp, vm_comes_stops_and_goes)
{
	ASSERT_EQ(0, vmbus_vsp_register(&a.vsp));
	ASSERT_EQ(0, vmbus_vsp_register(&b.vsp));
	EXPECT_EV("");
	vm_up(&self->vm1, "vm1");
	EXPECT_EV("attach a vm1; attach b vm1");
	vmbus_vsps_shutdown_vm(&self->vm1);
	EXPECT_EV("shutdown a vm1; shutdown b vm1");
	/* the last registered first; the bus's end releases the devices */
	vm_down(&self->vm1);
	EXPECT_EV("detach b vm1; detach a vm1; end vm1");
	vmbus_vsp_unregister(&b.vsp);
	vmbus_vsp_unregister(&a.vsp);
	EXPECT_EV("");
}

/* A VSP that cannot serve a VM: its devices released, no vm_detach. */
TEST_F(vsp, attach_failure)
{
	a.attach_err = -ENOMEM;
	vm_up(&self->vm1, "vm1");
	ASSERT_EQ(0, vmbus_vsp_register(&a.vsp));
	ASSERT_EQ(0, vmbus_vsp_register(&b.vsp));
	EXPECT_EV("attach a vm1; log \"vm1: a cannot serve the VM: -12\"; release a vm1; attach b vm1");
	EXPECT_EQ((int)VMBUS_VSP_OFF, (int)slot_of(&self->vm1, &a)->state);
	EXPECT_EQ(NULL, vmbus_vm_vsp_data(&self->vm1, &a.vsp));
	vmbus_vsps_shutdown_vm(&self->vm1);
	EXPECT_EV("shutdown b vm1");
	vm_down(&self->vm1);
	EXPECT_EV("detach b vm1; end vm1");
	/* and the next VM is tried again */
	a.attach_err = 0;
	vm_up(&self->vm2, "vm2");
	EXPECT_EV("attach a vm2; attach b vm2");
	vmbus_vsp_unregister(&a.vsp);
	EXPECT_EV("detach a vm2; release a vm2");
	vm_down(&self->vm2);
	EXPECT_EV("detach b vm2; end vm2");
	vmbus_vsp_unregister(&b.vsp);
	EXPECT_EQ(0, a.mod.refs);
}

/* A module being unloaded serves no new VM; it unregisters next. */
TEST_F(vsp, owner_going)
{
	ASSERT_EQ(0, vmbus_vsp_register(&a.vsp));
	a.mod.going = true;
	vm_up(&self->vm1, "vm1");
	EXPECT_EV("");
	vmbus_vsps_shutdown_vm(&self->vm1);
	vmbus_vsp_unregister(&a.vsp);
	vm_down(&self->vm1);
	EXPECT_EV("end vm1");
}

static int nop_attach(struct vmbus_vm *vm)
{
	return 0;
}

static void nop_detach(struct vmbus_vm *vm)
{
}

/* Refusals: hooks missing, a name taken, no slot left. */
TEST_F(vsp, refusals)
{
	struct vmbus_vsp many[VMBUS_VSP_MAX];
	char names[VMBUS_VSP_MAX][8];
	unsigned int i;

	a.vsp.vm_detach = NULL;
	EXPECT_EQ(-EINVAL, vmbus_vsp_register(&a.vsp));
	a.vsp.vm_detach = a_detach;
	a.vsp.vm_shutdown = NULL;	/* optional */
	ASSERT_EQ(0, vmbus_vsp_register(&a.vsp));
	c.vsp.name = "a";
	EXPECT_EQ(-EEXIST, vmbus_vsp_register(&c.vsp));
	c.vsp.name = "c";
	for (i = 0; i < VMBUS_VSP_MAX - 1; i++) {
		memset(&many[i], 0, sizeof(many[i]));
		snprintf(names[i], sizeof(names[i]), "m%u", i);
		many[i].name = names[i];
		many[i].vm_attach = nop_attach;
		many[i].vm_detach = nop_detach;
		ASSERT_EQ(0, vmbus_vsp_register(&many[i]));
	}
	EXPECT_EQ(-ENOSPC, vmbus_vsp_register(&c.vsp));
	vm_up(&self->vm1, "vm1");
	vmbus_vsps_shutdown_vm(&self->vm1);	/* a has none */
	EXPECT_EQ(NULL, strstr(ev, "shutdown a"));
	vm_down(&self->vm1);
	ev[0] = 0;
	for (i = 0; i < VMBUS_VSP_MAX - 1; i++)
		vmbus_vsp_unregister(&many[i]);
	vmbus_vsp_unregister(&a.vsp);
	EXPECT_EV("");
}

/* A slot given up goes to the next VSP; the old one's data is gone. */
TEST_F(vsp, slot_reused)
{
	vm_up(&self->vm1, "vm1");
	ASSERT_EQ(0, vmbus_vsp_register(&a.vsp));
	ASSERT_EQ(0, vmbus_vsp_register(&b.vsp));
	EXPECT_NE(a.vsp.slot, b.vsp.slot);
	vmbus_vsp_unregister(&a.vsp);
	ASSERT_EQ(0, vmbus_vsp_register(&c.vsp));
	EXPECT_EQ(a.vsp.slot, c.vsp.slot);
	EXPECT_EV("attach a vm1; attach b vm1; detach a vm1; release a vm1; attach c vm1");
	EXPECT_EQ(NULL, vmbus_vm_vsp_data(&self->vm1, &a.vsp));
	EXPECT_EQ(&c, vmbus_vm_vsp_data(&self->vm1, &c.vsp));
	/* a stale VSP cannot write into another's slot */
	vmbus_vm_set_vsp_data(&self->vm1, &a.vsp, &a);
	EXPECT_EQ(&c, vmbus_vm_vsp_data(&self->vm1, &c.vsp));
	vm_down(&self->vm1);
	EXPECT_EV("detach c vm1; detach b vm1; end vm1");
	vmbus_vsp_unregister(&b.vsp);
	vmbus_vsp_unregister(&c.vsp);
}

static void *vm_churn(void *arg)
{
	struct vmbus_vm *vm = arg;
	unsigned int i;

	for (i = 0; i < 300; i++) {
		vm_up(vm, "churn");
		vmbus_vsps_shutdown_vm(vm);
		vm_down(vm);
	}
	return NULL;
}

/*
 * VMs coming and going on two threads while a registers and unregisters
 * on a third: never two hooks at once (hook() asserts it), and a VM is
 * detached exactly as often as it was attached.
 */
TEST_F(vsp, hooks_one_at_a_time)
{
	pthread_t t1, t2;
	unsigned int i;

	ASSERT_EQ(0, vmbus_vsp_register(&b.vsp));
	ASSERT_EQ(0, pthread_create(&t1, NULL, vm_churn, &self->vm1));
	ASSERT_EQ(0, pthread_create(&t2, NULL, vm_churn, &self->vm2));
	for (i = 0; i < 300; i++) {
		ASSERT_EQ(0, vmbus_vsp_register(&a.vsp));
		vmbus_vsp_unregister(&a.vsp);
	}
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	vmbus_vsp_unregister(&b.vsp);
	EXPECT_EQ(attached, detached);
	EXPECT_EQ(0, in_hook);
	EXPECT_EQ(0, a.mod.refs);
}

TEST_HARNESS_MAIN
