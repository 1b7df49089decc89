// SPDX-License-Identifier: LGPL-2.1-or-later
/* The IPv6 family: libip6tc over struct ip6t_entry. */
#include <errno.h>
#include <libiptc/libip6tc.h>
#include <netinet/in.h>

#define FAM(x) rt_iptc6_##x
#define TC(x) ip6tc_##x
#define ENTRY struct ip6t_entry
#define ENTRY_IP(e) ((e)->ipv6)
#define PROTO_FLAG IP6T_F_PROTO
#define GOTO_FLAG IP6T_F_GOTO
#define INV_PROTO IP6T_INV_PROTO
#define ICMP_PROTO IPPROTO_ICMPV6
#define FAMILY RAWTUNE_FAMILY_IPV6
#define FAMILY_NAME "ipv6"
#define FAMILY_AF AF_INET6
#define SAVE_COMMAND "ip6tables-legacy-save"
#define NAMES_FILE "/proc/net/ip6_tables_names"

#include "iptc-family.c"
