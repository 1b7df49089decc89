// SPDX-License-Identifier: LGPL-2.1-or-later
/* The IPv4 family: libip4tc over struct ipt_entry. */
#include <errno.h>
#include <libiptc/libiptc.h>
#include <netinet/in.h>

#define FAM(x) rt_iptc4_##x
#define TC(x) iptc_##x
#define ENTRY struct ipt_entry
#define ENTRY_IP(e) ((e)->ip)
#define PROTO_FLAG 0
#define GOTO_FLAG IPT_F_GOTO
#define INV_PROTO IPT_INV_PROTO
#define ICMP_PROTO IPPROTO_ICMP
#define FAMILY RAWTUNE_FAMILY_IPV4
#define FAMILY_NAME "ipv4"
#define FAMILY_AF AF_INET
#define SAVE_COMMAND "iptables-legacy-save"
#define NAMES_FILE "/proc/net/ip_tables_names"

#include "iptc-family.c"
