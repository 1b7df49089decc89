/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef RAWTUNE_KERNEL_SUPPORT_H
#define RAWTUNE_KERNEL_SUPPORT_H

struct rawtune_ctx;
struct rt_family_ops;

/*
 * Does the kernel have the tables and extensions that rawtune's rules use,
 * for this family? 0, or -ENOENT with the context's error naming the first
 * missing piece, its module and its kernel option. Without the privilege to
 * ask, 0: the apply itself reports that.
 */
int rt_kernel_check(struct rawtune_ctx *ctx, const struct rt_family_ops *ops);

#endif
