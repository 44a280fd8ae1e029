/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fake driver's stubs of xpc_test.c, defined in assembly there: each
 * enters nooks_xpc_entry or nooks_xpc_exit as a rewritten driver's would.
 */
#ifndef _NOOKS_XPC_TEST_H
#define _NOOKS_XPC_TEST_H

#include <linux/gfp.h>
#include <linux/mutex.h>
#include <linux/spinlock_types.h>
#include <linux/types.h>

#include "../../include/uapi/nooks_module.h"

/* The fake driver's manifest (xpc_test.c): its stubs load it in %r10. */
extern struct nooks_manifest nooks_test_manifest;

/* An entry or exit stub of the fake driver, as nooksctl makes them. */
#define NOOKS_TEST_STUB(stub, desc, gate)				\
	asm(".pushsection .text, \"ax\"\n"				\
	    ".globl " #stub "\n"					\
	    ".type " #stub ", @function\n"				\
	    #stub ":\n"							\
	    "	leaq nooks_test_manifest(%rip), %r10\n"		\
	    "	leaq " #desc "(%rip), %r11\n"				\
	    "	jmp " #gate "\n"					\
	    ".size " #stub ", . - " #stub "\n"				\
	    ".popsection\n")

long nooks_test_entry_add8(long a, long b, long c, long d, long e, long f,
			   long g, long h);
void *nooks_test_entry_ptr(void);
int nooks_test_exit_reenter(int x);
int nooks_test_entry_inner(int x);
int nooks_test_entry_outer(int x);
int nooks_test_entry_self(int x);
long nooks_test_exit_add8(long a, long b, long c, long d, long e, long f,
			  long g, long h);
int nooks_test_exit_snprintf(char *buf, size_t size, const char *fmt, ...);
long nooks_test_entry_calls_kernel(long x);
int nooks_test_entry_migrate(int x);
int nooks_test_exit_migrate(int x);
int nooks_test_entry_fault_read(int x);
void *nooks_test_entry_fault_write(int x);
int nooks_test_entry_trap(int x);
int nooks_test_entry_calls_failing(int x);
int nooks_test_exit_fails(int x);
int nooks_test_entry_wrapped(int x);
void *nooks_test_exit_kmalloc(size_t size, gfp_t flags);
void nooks_test_exit_kfree(const void *p);
int nooks_test_entry_locks(int how);
int nooks_test_entry_loop(int x);
int nooks_test_exit_wait(int x);
void nooks_test_exit_mutex_lock(struct mutex *lock);
void nooks_test_exit_mutex_unlock(struct mutex *lock);
void nooks_test_exit_spin_lock_bh(raw_spinlock_t *lock);
unsigned long nooks_test_exit_spin_lock_irqsave(raw_spinlock_t *lock);
struct sk_buff;
struct net_device;
int nooks_test_entry_xmit(struct sk_buff *skb, struct net_device *dev);
/* xmit_test.c's */
int nooks_test_entry_xmit_burst(struct sk_buff *skb, struct net_device *dev);
__be16 nooks_test_exit_eth_type_trans(struct sk_buff *skb,
				      struct net_device *dev);
u64 nooks_test_entry_eth(struct sk_buff *skb, struct net_device *dev);
void *nooks_test_exit_skb_put(struct sk_buff *skb, unsigned int len);
void nooks_test_exit_skb_trim(struct sk_buff *skb, unsigned int len);
u64 nooks_test_entry_skb_len(struct sk_buff *skb, unsigned int put,
			     unsigned int trim);
struct napi_struct;
bool nooks_test_exit_napi_prep(struct napi_struct *n);
u64 nooks_test_entry_napi_prep(struct napi_struct *n);
bool nooks_test_exit_napi_done(struct napi_struct *n, int work);
u64 nooks_test_entry_napi_done(struct napi_struct *n, int work, int note);
struct dql;
void nooks_test_exit_dql_completed(struct dql *dql, unsigned int count);
int nooks_test_entry_dql(struct dql *dql, unsigned int count);
int nooks_test_entry_leaf(int *p);
int nooks_test_exit_leaf(int *p);
long nooks_test_exit_note(long a, long b, long c);
void nooks_test_exit_cross(void);
int nooks_test_entry_defer(int before, int after);
void nooks_test_exit_start(unsigned long arg);
int nooks_test_entry_starts(unsigned long arg);
struct device;
struct page;
u64 nooks_test_exit_dma_map(struct device *dev, struct page *page,
			    unsigned long offset, size_t size, int dir,
			    unsigned long attrs);
void nooks_test_exit_dma_unmap(struct device *dev, u64 addr, size_t size,
			       int dir, unsigned long attrs);
void nooks_test_exit_dma_sync_cpu(struct device *dev, u64 addr, size_t size,
				  int dir);
void nooks_test_exit_dma_sync_dev(struct device *dev, u64 addr, size_t size,
				  int dir);
u64 nooks_test_entry_dma(struct device *dev);
int nooks_test_entry_batched(unsigned long arg);

#endif /* _NOOKS_XPC_TEST_H */
