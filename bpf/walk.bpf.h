/* SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause */
/*
 * Direct loads of kernel structures. Kernel structures are read in one of two ways, chosen
 * once by the loader (cfg_btf_walk):
 * - where the kernel has the bpf_rdonly_cast kfunc (Linux 6.2), a kernel address is cast to a
 *   BTF pointer of its type (MW_CAST) and its fields are loaded directly (MW_RD: one load each,
 *   a fault reads 0);
 * - elsewhere, with one bpf_probe_read_kernel() call per field (BPF_CORE_READ).
 * Resolving a unix socket's fd to its channel (channel.bpf.h) reads 16 fields: about 460 ns by
 * helper calls, 120 ns by loads (docs/performance.md). The kfunc is weak: where it is missing,
 * libbpf leaves its calls unresolved and the verifier drops them as dead code (cfg_btf_walk is
 * false). MW_CAST's argument is a plain kernel address or a BTF pointer; MW_RD's a pointer
 * MW_CAST made, a BTF pointer from the kernel (bpf_get_current_task_btf) or a field MW_RD read.
 *
 * Only io.bpf.c (every tracked read and write) defines MW_WALK_DIRECT before its includes:
 * libbpf 1.1's static linker cannot merge a kfunc extern declared by several objects ("failed
 * to resolve size of underlying type"). The other objects read with BPF_CORE_READ always.
 */
#ifndef MW_WALK_BPF_H
#define MW_WALK_BPF_H

#include "common.bpf.h"

#ifdef MW_WALK_DIRECT

extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

#define MW_CAST(p, type)                                                                 \
	(cfg_btf_walk ? (type *)bpf_rdonly_cast((void *)(p), bpf_core_type_id_kernel(type)) \
		      : (type *)(p))
#define MW_RD(p, field)                                                                  \
	({                                                                               \
		typeof(p) mw_rd_ = (p);                                                  \
		cfg_btf_walk ? mw_rd_->field : BPF_CORE_READ(mw_rd_, field);             \
	})

#else   /* one helper call per field */

#define MW_CAST(p, type) ((type *)(p))
#define MW_RD(p, field)                                                                  \
	({                                                                               \
		typeof(p) mw_rd_ = (p);                                                  \
		BPF_CORE_READ(mw_rd_, field);                                            \
	})

#endif /* MW_WALK_DIRECT */
#endif /* MW_WALK_BPF_H */
