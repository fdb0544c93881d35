/*
 * uapi_probe: prints, from this system's kernel UAPI and libc headers, every number the Java side
 * hard-codes, one "CLASS NAME VALUE" line each. CLASS is the simple name of the Java class holding the
 * constant; UapiLayoutTest compares the lines with those classes, in both directions.
 *
 * VALUE is a decimal integer, a "quoted string", or "?" when this header is too old to have the
 * constant (Java then only has to declare it). Only #defines can be tested with #ifdef; a missing enum
 * member breaks the build, so an enum member newer than Debian 12's linux-libc-dev (6.1) must be guarded
 * with #if LINUX_VERSION_CODE >= KERNEL_VERSION(x, y, 0) instead.
 *
 * Adding a constant on the Java side without a line here fails the test, and vice versa.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <netinet/in.h>   /* before any linux/ header: libc-compat.h then leaves in.h to glibc */
/* glibc's <net/if.h> first: <linux/libc-compat.h> then drops the duplicate definitions in <linux/if.h>. */
#include <net/if.h>
#include <linux/if.h>
#include <linux/version.h>
#include <linux/netlink.h>
#include <linux/genetlink.h>
#include <linux/net_dropmon.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/neighbour.h>
#include <linux/pkt_sched.h>
#include <linux/gen_stats.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/sockios.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/sock_diag.h>
#include <linux/inet_diag.h>
#include <linux/tcp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>

static void emit(const char *cls, const char *name, long long value)
{
	printf("%s %s %lld\n", cls, name, value);
}

/*
 * Every macro stringifies NAME itself: passing it on to another macro would expand it first, and
 * NET_DM_GRP_ALERT would print as "1".
 */
#define P(cls, name)			emit(#cls, #name, (long long)(name))
#define V(cls, name, expr)		emit(#cls, #name, (long long)(expr))
#define SIZE(cls, name, type)		emit(#cls, #name, (long long)sizeof(type))
#define OFF(cls, name, type, field)	emit(#cls, #name, (long long)offsetof(type, field))
#define LEN(cls, name, type, field)	emit(#cls, #name, (long long)sizeof(((type *)0)->field))
#define STR(cls, name)			printf("%s %s \"%s\"\n", #cls, #name, name)
#define MISSING(cls, name)		printf("%s %s ?\n", #cls, #name)

static void netlink(void)
{
	P(NetlinkConstants, AF_NETLINK);
	P(NetlinkConstants, SOCK_RAW);
	P(NetlinkConstants, SOCK_CLOEXEC);
	P(NetlinkConstants, SOL_SOCKET);
	P(NetlinkConstants, SO_SNDBUF);
	P(NetlinkConstants, SO_RCVBUF);
	P(NetlinkConstants, SO_RCVBUFFORCE);
	P(NetlinkConstants, SOL_NETLINK);
	P(NetlinkConstants, MSG_PEEK);
	P(NetlinkConstants, MSG_TRUNC);
	P(NetlinkConstants, MSG_DONTWAIT);
	P(NetlinkConstants, POLLIN);

	P(NetlinkConstants, NETLINK_ROUTE);
	P(NetlinkConstants, NETLINK_NETFILTER);
	P(NetlinkConstants, NETLINK_GENERIC);

	P(NetlinkConstants, NETLINK_ADD_MEMBERSHIP);
	P(NetlinkConstants, NETLINK_DROP_MEMBERSHIP);
	P(NetlinkConstants, NETLINK_NO_ENOBUFS);
	P(NetlinkConstants, NETLINK_CAP_ACK);
	P(NetlinkConstants, NETLINK_EXT_ACK);
	P(NetlinkConstants, NETLINK_GET_STRICT_CHK);

	SIZE(NetlinkConstants, SOCKADDR_NL_SIZE, struct sockaddr_nl);

	P(NetlinkConstants, NLMSG_HDRLEN);
	OFF(NetlinkConstants, NLMSG_LENGTH_OFFSET, struct nlmsghdr, nlmsg_len);
	OFF(NetlinkConstants, NLMSG_TYPE_OFFSET, struct nlmsghdr, nlmsg_type);
	OFF(NetlinkConstants, NLMSG_FLAGS_OFFSET, struct nlmsghdr, nlmsg_flags);
	OFF(NetlinkConstants, NLMSG_SEQ_OFFSET, struct nlmsghdr, nlmsg_seq);
	OFF(NetlinkConstants, NLMSG_PID_OFFSET, struct nlmsghdr, nlmsg_pid);

	P(NetlinkConstants, NLMSG_NOOP);
	P(NetlinkConstants, NLMSG_ERROR);
	P(NetlinkConstants, NLMSG_DONE);
	P(NetlinkConstants, NLMSG_OVERRUN);
	P(NetlinkConstants, NLMSG_MIN_TYPE);

	P(NetlinkConstants, NLM_F_REQUEST);
	P(NetlinkConstants, NLM_F_MULTI);
	P(NetlinkConstants, NLM_F_ACK);
	P(NetlinkConstants, NLM_F_ECHO);
	P(NetlinkConstants, NLM_F_DUMP_INTR);
	P(NetlinkConstants, NLM_F_DUMP_FILTERED);
	P(NetlinkConstants, NLM_F_ROOT);
	P(NetlinkConstants, NLM_F_MATCH);
	P(NetlinkConstants, NLM_F_DUMP);
	P(NetlinkConstants, NLM_F_CAPPED);
	P(NetlinkConstants, NLM_F_ACK_TLVS);

	SIZE(NetlinkConstants, NLMSGERR_SIZE, struct nlmsgerr);
	P(NetlinkConstants, NLMSGERR_ATTR_MSG);
	P(NetlinkConstants, NLMSGERR_ATTR_OFFS);
	P(NetlinkConstants, NLMSGERR_ATTR_COOKIE);
	P(NetlinkConstants, NLMSGERR_ATTR_POLICY);
	P(NetlinkConstants, NLMSGERR_ATTR_MISS_TYPE);
	P(NetlinkConstants, NLMSGERR_ATTR_MISS_NEST);

	P(NetlinkConstants, NLA_HDRLEN);
	P(NetlinkConstants, NLA_F_NESTED);
	P(NetlinkConstants, NLA_F_NET_BYTEORDER);
	/* The header's ~(...) is an int (-49153); nla_type is a u16, which is what the Java side keeps. */
	V(NetlinkConstants, NLA_TYPE_MASK, NLA_TYPE_MASK & 0xffff);

	P(NetlinkConstants, GENL_HDRLEN);
}

static void genl(void)
{
	P(GenlConstants, GENL_ID_CTRL);
	P(GenlConstants, CTRL_CMD_NEWFAMILY);
	P(GenlConstants, CTRL_CMD_GETFAMILY);
	P(GenlConstants, CTRL_ATTR_FAMILY_ID);
	P(GenlConstants, CTRL_ATTR_FAMILY_NAME);
	P(GenlConstants, CTRL_ATTR_VERSION);
	P(GenlConstants, CTRL_ATTR_HDRSIZE);
	P(GenlConstants, CTRL_ATTR_MAXATTR);
	P(GenlConstants, CTRL_ATTR_OPS);
	P(GenlConstants, CTRL_ATTR_MCAST_GROUPS);
	P(GenlConstants, CTRL_ATTR_OP_ID);
	P(GenlConstants, CTRL_ATTR_OP_FLAGS);
	P(GenlConstants, CTRL_ATTR_MCAST_GRP_NAME);
	P(GenlConstants, CTRL_ATTR_MCAST_GRP_ID);
	P(GenlConstants, GENL_ADMIN_PERM);
}

static void sys(void)
{
	SIZE(MsgHdr, SIZE, struct msghdr);
	OFF(MsgHdr, NAME, struct msghdr, msg_name);
	OFF(MsgHdr, NAMELEN, struct msghdr, msg_namelen);
	OFF(MsgHdr, IOV, struct msghdr, msg_iov);
	OFF(MsgHdr, IOVLEN, struct msghdr, msg_iovlen);
	OFF(MsgHdr, CONTROL, struct msghdr, msg_control);
	OFF(MsgHdr, CONTROLLEN, struct msghdr, msg_controllen);
	OFF(MsgHdr, FLAGS, struct msghdr, msg_flags);
	SIZE(MsgHdr, IOVEC_SIZE, struct iovec);

	P(Errno, EPERM);
	P(Errno, ENOENT);
	P(Errno, ESRCH);
	P(Errno, EINTR);
	P(Errno, EIO);
	P(Errno, ENXIO);
	P(Errno, E2BIG);
	P(Errno, EBADF);
	P(Errno, EAGAIN);
	P(Errno, ENOMEM);
	P(Errno, EACCES);
	P(Errno, EFAULT);
	P(Errno, EBUSY);
	P(Errno, EEXIST);
	P(Errno, ENODEV);
	P(Errno, ENOTDIR);
	P(Errno, EINVAL);
	P(Errno, EMFILE);
	P(Errno, ENOTTY);
	P(Errno, ENOSPC);
	P(Errno, ERANGE);
	P(Errno, ENOSYS);
	P(Errno, EMSGSIZE);
	P(Errno, EPROTONOSUPPORT);
	P(Errno, EOPNOTSUPP);
	P(Errno, EAFNOSUPPORT);
	P(Errno, EADDRINUSE);
	P(Errno, ENOBUFS);
	P(Errno, ECONNREFUSED);
}

static void netdm(void)
{
	P(NetDmConstants, NET_DM_CMD_ALERT);
	P(NetDmConstants, NET_DM_CMD_CONFIG);
	P(NetDmConstants, NET_DM_CMD_START);
	P(NetDmConstants, NET_DM_CMD_STOP);
	P(NetDmConstants, NET_DM_CMD_PACKET_ALERT);
	P(NetDmConstants, NET_DM_CMD_CONFIG_GET);
	P(NetDmConstants, NET_DM_CMD_CONFIG_NEW);
	P(NetDmConstants, NET_DM_CMD_STATS_GET);
	P(NetDmConstants, NET_DM_CMD_STATS_NEW);

	P(NetDmConstants, NET_DM_GRP_ALERT);

	P(NetDmConstants, NET_DM_CFG_VERSION);
	P(NetDmConstants, NET_DM_CFG_ALERT_COUNT);
	P(NetDmConstants, NET_DM_CFG_ALERT_DELAY);

	P(NetDmConstants, NET_DM_ATTR_ALERT_MODE);
	P(NetDmConstants, NET_DM_ATTR_PC);
	P(NetDmConstants, NET_DM_ATTR_SYMBOL);
	P(NetDmConstants, NET_DM_ATTR_IN_PORT);
	P(NetDmConstants, NET_DM_ATTR_TIMESTAMP);
	P(NetDmConstants, NET_DM_ATTR_PROTO);
	P(NetDmConstants, NET_DM_ATTR_PAYLOAD);
	P(NetDmConstants, NET_DM_ATTR_PAD);
	P(NetDmConstants, NET_DM_ATTR_TRUNC_LEN);
	P(NetDmConstants, NET_DM_ATTR_ORIG_LEN);
	P(NetDmConstants, NET_DM_ATTR_QUEUE_LEN);
	P(NetDmConstants, NET_DM_ATTR_STATS);
	P(NetDmConstants, NET_DM_ATTR_HW_STATS);
	P(NetDmConstants, NET_DM_ATTR_ORIGIN);
	P(NetDmConstants, NET_DM_ATTR_HW_TRAP_GROUP_NAME);
	P(NetDmConstants, NET_DM_ATTR_HW_TRAP_NAME);
	P(NetDmConstants, NET_DM_ATTR_HW_ENTRIES);
	P(NetDmConstants, NET_DM_ATTR_HW_ENTRY);
	P(NetDmConstants, NET_DM_ATTR_HW_TRAP_COUNT);
	P(NetDmConstants, NET_DM_ATTR_SW_DROPS);
	P(NetDmConstants, NET_DM_ATTR_HW_DROPS);
	P(NetDmConstants, NET_DM_ATTR_FLOW_ACTION_COOKIE);
	P(NetDmConstants, NET_DM_ATTR_REASON);

	P(NetDmConstants, NET_DM_ALERT_MODE_SUMMARY);
	P(NetDmConstants, NET_DM_ALERT_MODE_PACKET);

	P(NetDmConstants, NET_DM_ATTR_PORT_NETDEV_IFINDEX);
	P(NetDmConstants, NET_DM_ATTR_PORT_NETDEV_NAME);

	P(NetDmConstants, NET_DM_ATTR_STATS_DROPPED);

	P(NetDmConstants, NET_DM_ORIGIN_SW);
	P(NetDmConstants, NET_DM_ORIGIN_HW);

	SIZE(NetDmConstants, NET_DM_DROP_POINT_SIZE, struct net_dm_drop_point);
	OFF(NetDmConstants, NET_DM_DROP_POINT_PC_OFFSET, struct net_dm_drop_point, pc);
	LEN(NetDmConstants, NET_DM_DROP_POINT_PC_LEN, struct net_dm_drop_point, pc);
	OFF(NetDmConstants, NET_DM_DROP_POINT_COUNT_OFFSET, struct net_dm_drop_point, count);

	SIZE(NetDmConstants, NET_DM_ALERT_MSG_SIZE, struct net_dm_alert_msg);
	OFF(NetDmConstants, NET_DM_ALERT_MSG_ENTRIES_OFFSET, struct net_dm_alert_msg, entries);
	OFF(NetDmConstants, NET_DM_ALERT_MSG_POINTS_OFFSET, struct net_dm_alert_msg, points);
}

/* The fields of struct rtnl_link_stats64, in order; RtnlConstants.RTNL_LINK_STATS64_FIELDS mirrors it. */
#define STATS64_FIELDS(X) \
	X(rx_packets, RX_PACKETS) X(tx_packets, TX_PACKETS) X(rx_bytes, RX_BYTES) X(tx_bytes, TX_BYTES) \
	X(rx_errors, RX_ERRORS) X(tx_errors, TX_ERRORS) X(rx_dropped, RX_DROPPED) \
	X(tx_dropped, TX_DROPPED) X(multicast, MULTICAST) X(collisions, COLLISIONS) \
	X(rx_length_errors, RX_LENGTH_ERRORS) X(rx_over_errors, RX_OVER_ERRORS) \
	X(rx_crc_errors, RX_CRC_ERRORS) X(rx_frame_errors, RX_FRAME_ERRORS) \
	X(rx_fifo_errors, RX_FIFO_ERRORS) X(rx_missed_errors, RX_MISSED_ERRORS) \
	X(tx_aborted_errors, TX_ABORTED_ERRORS) X(tx_carrier_errors, TX_CARRIER_ERRORS) \
	X(tx_fifo_errors, TX_FIFO_ERRORS) X(tx_heartbeat_errors, TX_HEARTBEAT_ERRORS) \
	X(tx_window_errors, TX_WINDOW_ERRORS) X(rx_compressed, RX_COMPRESSED) \
	X(tx_compressed, TX_COMPRESSED) X(rx_nohandler, RX_NOHANDLER) \
	X(rx_otherhost_dropped, RX_OTHERHOST_DROPPED)

#define STATS64_OFFSET(field, FIELD) \
	OFF(RtnlConstants, RTNL_LINK_STATS64_##FIELD##_OFFSET, struct rtnl_link_stats64, field);
#define STATS64_NAME(field, FIELD) " " #field

static void rtnl(void)
{
	P(RtnlConstants, AF_UNSPEC);
	P(RtnlConstants, AF_INET);
	P(RtnlConstants, AF_INET6);

	P(RtnlConstants, RTM_NEWLINK);
	P(RtnlConstants, RTM_DELLINK);
	P(RtnlConstants, RTM_GETLINK);
	P(RtnlConstants, RTM_NEWQDISC);
	P(RtnlConstants, RTM_GETQDISC);
	P(RtnlConstants, RTM_NEWNEIGHTBL);
	P(RtnlConstants, RTM_GETNEIGHTBL);
	P(RtnlConstants, RTM_NEWSTATS);
	P(RtnlConstants, RTM_GETSTATS);
	P(RtnlConstants, RTNLGRP_LINK);

	SIZE(RtnlConstants, IFINFOMSG_SIZE, struct ifinfomsg);
	OFF(RtnlConstants, IFINFOMSG_IFI_FAMILY_OFFSET, struct ifinfomsg, ifi_family);
	OFF(RtnlConstants, IFINFOMSG_IFI_TYPE_OFFSET, struct ifinfomsg, ifi_type);
	OFF(RtnlConstants, IFINFOMSG_IFI_INDEX_OFFSET, struct ifinfomsg, ifi_index);
	OFF(RtnlConstants, IFINFOMSG_IFI_FLAGS_OFFSET, struct ifinfomsg, ifi_flags);
	OFF(RtnlConstants, IFINFOMSG_IFI_CHANGE_OFFSET, struct ifinfomsg, ifi_change);

	P(RtnlConstants, IFF_UP);
	P(RtnlConstants, IFF_BROADCAST);
	P(RtnlConstants, IFF_LOOPBACK);
	P(RtnlConstants, IFF_POINTOPOINT);
	P(RtnlConstants, IFF_RUNNING);
	P(RtnlConstants, IFF_NOARP);
	P(RtnlConstants, IFF_PROMISC);
	P(RtnlConstants, IFF_ALLMULTI);
	P(RtnlConstants, IFF_MASTER);
	P(RtnlConstants, IFF_SLAVE);
	P(RtnlConstants, IFF_MULTICAST);
	P(RtnlConstants, IFF_LOWER_UP);
	P(RtnlConstants, IFF_DORMANT);

	P(RtnlConstants, IF_OPER_UNKNOWN);
	P(RtnlConstants, IF_OPER_NOTPRESENT);
	P(RtnlConstants, IF_OPER_DOWN);
	P(RtnlConstants, IF_OPER_LOWERLAYERDOWN);
	P(RtnlConstants, IF_OPER_TESTING);
	P(RtnlConstants, IF_OPER_DORMANT);
	P(RtnlConstants, IF_OPER_UP);

	P(RtnlConstants, IFLA_ADDRESS);
	P(RtnlConstants, IFLA_BROADCAST);
	P(RtnlConstants, IFLA_IFNAME);
	P(RtnlConstants, IFLA_MTU);
	P(RtnlConstants, IFLA_LINK);
	P(RtnlConstants, IFLA_QDISC);
	P(RtnlConstants, IFLA_STATS);
	P(RtnlConstants, IFLA_MASTER);
	P(RtnlConstants, IFLA_TXQLEN);
	P(RtnlConstants, IFLA_OPERSTATE);
	P(RtnlConstants, IFLA_LINKMODE);
	P(RtnlConstants, IFLA_LINKINFO);
	P(RtnlConstants, IFLA_IFALIAS);
	P(RtnlConstants, IFLA_STATS64);
	P(RtnlConstants, IFLA_GROUP);
	P(RtnlConstants, IFLA_EXT_MASK);
	P(RtnlConstants, IFLA_PROMISCUITY);
	P(RtnlConstants, IFLA_NUM_TX_QUEUES);
	P(RtnlConstants, IFLA_NUM_RX_QUEUES);
	P(RtnlConstants, IFLA_CARRIER);
	P(RtnlConstants, IFLA_CARRIER_CHANGES);
	P(RtnlConstants, IFLA_LINK_NETNSID);
	P(RtnlConstants, IFLA_PROTO_DOWN);
	P(RtnlConstants, IFLA_PAD);
	P(RtnlConstants, IFLA_XDP);
	P(RtnlConstants, IFLA_CARRIER_UP_COUNT);
	P(RtnlConstants, IFLA_CARRIER_DOWN_COUNT);
	P(RtnlConstants, IFLA_MIN_MTU);
	P(RtnlConstants, IFLA_MAX_MTU);
	P(RtnlConstants, IFLA_PROP_LIST);
	P(RtnlConstants, IFLA_ALT_IFNAME);
	P(RtnlConstants, IFLA_PERM_ADDRESS);
	P(RtnlConstants, IFLA_PARENT_DEV_NAME);
	P(RtnlConstants, IFLA_PARENT_DEV_BUS_NAME);

	P(RtnlConstants, IFLA_INFO_KIND);
	P(RtnlConstants, IFLA_INFO_DATA);
	P(RtnlConstants, IFLA_INFO_XSTATS);
	P(RtnlConstants, IFLA_INFO_SLAVE_KIND);
	P(RtnlConstants, IFLA_INFO_SLAVE_DATA);

	SIZE(RtnlConstants, IF_STATS_MSG_SIZE, struct if_stats_msg);
	OFF(RtnlConstants, IF_STATS_MSG_FAMILY_OFFSET, struct if_stats_msg, family);
	OFF(RtnlConstants, IF_STATS_MSG_IFINDEX_OFFSET, struct if_stats_msg, ifindex);
	OFF(RtnlConstants, IF_STATS_MSG_FILTER_MASK_OFFSET, struct if_stats_msg, filter_mask);

	P(RtnlConstants, IFLA_STATS_UNSPEC);
	P(RtnlConstants, IFLA_STATS_LINK_64);
	P(RtnlConstants, IFLA_STATS_LINK_XSTATS);
	P(RtnlConstants, IFLA_STATS_LINK_XSTATS_SLAVE);
	P(RtnlConstants, IFLA_STATS_LINK_OFFLOAD_XSTATS);
	P(RtnlConstants, IFLA_STATS_AF_SPEC);

	SIZE(RtnlConstants, RTNL_LINK_STATS64_SIZE, struct rtnl_link_stats64);
	STATS64_FIELDS(STATS64_OFFSET)
	/* The order is the list's meaning, so it is printed too: names separated by single spaces. */
	printf("RtnlConstants RTNL_LINK_STATS64_FIELDS \"%s\"\n", &STATS64_FIELDS(STATS64_NAME)[1]);

	SIZE(RtnlConstants, TCMSG_SIZE, struct tcmsg);
	OFF(RtnlConstants, TCMSG_TCM_FAMILY_OFFSET, struct tcmsg, tcm_family);
	OFF(RtnlConstants, TCMSG_TCM_IFINDEX_OFFSET, struct tcmsg, tcm_ifindex);
	OFF(RtnlConstants, TCMSG_TCM_HANDLE_OFFSET, struct tcmsg, tcm_handle);
	OFF(RtnlConstants, TCMSG_TCM_PARENT_OFFSET, struct tcmsg, tcm_parent);
	OFF(RtnlConstants, TCMSG_TCM_INFO_OFFSET, struct tcmsg, tcm_info);

	P(RtnlConstants, TC_H_MAJ_MASK);
	P(RtnlConstants, TC_H_MIN_MASK);
	P(RtnlConstants, TC_H_UNSPEC);
	P(RtnlConstants, TC_H_ROOT);
	P(RtnlConstants, TC_H_INGRESS);
	P(RtnlConstants, TC_H_CLSACT);

	P(RtnlConstants, TCA_KIND);
	P(RtnlConstants, TCA_OPTIONS);
	P(RtnlConstants, TCA_STATS);
	P(RtnlConstants, TCA_XSTATS);
	P(RtnlConstants, TCA_RATE);
	P(RtnlConstants, TCA_FCNT);
	P(RtnlConstants, TCA_STATS2);
	P(RtnlConstants, TCA_STAB);
	P(RtnlConstants, TCA_PAD);
	P(RtnlConstants, TCA_DUMP_INVISIBLE);
	P(RtnlConstants, TCA_CHAIN);
	P(RtnlConstants, TCA_HW_OFFLOAD);
	P(RtnlConstants, TCA_INGRESS_BLOCK);
	P(RtnlConstants, TCA_EGRESS_BLOCK);
	P(RtnlConstants, TCA_DUMP_FLAGS);

	P(RtnlConstants, TCA_STATS_BASIC);
	P(RtnlConstants, TCA_STATS_RATE_EST);
	P(RtnlConstants, TCA_STATS_QUEUE);
	P(RtnlConstants, TCA_STATS_APP);
	P(RtnlConstants, TCA_STATS_RATE_EST64);
	P(RtnlConstants, TCA_STATS_PAD);
	P(RtnlConstants, TCA_STATS_BASIC_HW);
	P(RtnlConstants, TCA_STATS_PKT64);
	P(RtnlConstants, TCA_TBF_PARMS);
	P(RtnlConstants, TCA_TBF_RATE64);
	SIZE(RtnlConstants, TC_TBF_QOPT_SIZE, struct tc_tbf_qopt);
	OFF(RtnlConstants, TC_TBF_QOPT_RATE_RATE_OFFSET, struct tc_tbf_qopt, rate.rate);
	OFF(RtnlConstants, TC_TBF_QOPT_LIMIT_OFFSET, struct tc_tbf_qopt, limit);
	OFF(RtnlConstants, TC_TBF_QOPT_BUFFER_OFFSET, struct tc_tbf_qopt, buffer);
	SIZE(RtnlConstants, TC_FIFO_QOPT_SIZE, struct tc_fifo_qopt);
	P(RtnlConstants, TCA_FQ_CODEL_LIMIT);

	SIZE(RtnlConstants, GNET_STATS_BASIC_SIZE, struct gnet_stats_basic);
	OFF(RtnlConstants, GNET_STATS_BASIC_BYTES_OFFSET, struct gnet_stats_basic, bytes);
	OFF(RtnlConstants, GNET_STATS_BASIC_PACKETS_OFFSET, struct gnet_stats_basic, packets);

	SIZE(RtnlConstants, GNET_STATS_QUEUE_SIZE, struct gnet_stats_queue);
	OFF(RtnlConstants, GNET_STATS_QUEUE_QLEN_OFFSET, struct gnet_stats_queue, qlen);
	OFF(RtnlConstants, GNET_STATS_QUEUE_BACKLOG_OFFSET, struct gnet_stats_queue, backlog);
	OFF(RtnlConstants, GNET_STATS_QUEUE_DROPS_OFFSET, struct gnet_stats_queue, drops);
	OFF(RtnlConstants, GNET_STATS_QUEUE_REQUEUES_OFFSET, struct gnet_stats_queue, requeues);
	OFF(RtnlConstants, GNET_STATS_QUEUE_OVERLIMITS_OFFSET, struct gnet_stats_queue, overlimits);

	SIZE(RtnlConstants, NDTMSG_SIZE, struct ndtmsg);
	OFF(RtnlConstants, NDTMSG_NDTM_FAMILY_OFFSET, struct ndtmsg, ndtm_family);

	P(RtnlConstants, NDTA_NAME);
	P(RtnlConstants, NDTA_THRESH1);
	P(RtnlConstants, NDTA_THRESH2);
	P(RtnlConstants, NDTA_THRESH3);
	P(RtnlConstants, NDTA_CONFIG);
	P(RtnlConstants, NDTA_PARMS);
	P(RtnlConstants, NDTA_STATS);
	P(RtnlConstants, NDTA_GC_INTERVAL);
	P(RtnlConstants, NDTA_PAD);

	P(RtnlConstants, NDTPA_IFINDEX);
	P(RtnlConstants, NDTPA_REFCNT);
	P(RtnlConstants, NDTPA_REACHABLE_TIME);
	P(RtnlConstants, NDTPA_BASE_REACHABLE_TIME);
	P(RtnlConstants, NDTPA_RETRANS_TIME);
	P(RtnlConstants, NDTPA_GC_STALETIME);
	P(RtnlConstants, NDTPA_DELAY_PROBE_TIME);
	P(RtnlConstants, NDTPA_QUEUE_LEN);
	P(RtnlConstants, NDTPA_APP_PROBES);
	P(RtnlConstants, NDTPA_UCAST_PROBES);
	P(RtnlConstants, NDTPA_MCAST_PROBES);
	P(RtnlConstants, NDTPA_ANYCAST_DELAY);
	P(RtnlConstants, NDTPA_PROXY_DELAY);
	P(RtnlConstants, NDTPA_PROXY_QLEN);
	P(RtnlConstants, NDTPA_LOCKTIME);
	P(RtnlConstants, NDTPA_QUEUE_LENBYTES);
	P(RtnlConstants, NDTPA_MCAST_REPROBES);
	P(RtnlConstants, NDTPA_PAD);
	P(RtnlConstants, NDTPA_INTERVAL_PROBE_TIME_MS);

	SIZE(RtnlConstants, NDT_CONFIG_SIZE, struct ndt_config);
	OFF(RtnlConstants, NDT_CONFIG_NDTC_KEY_LEN_OFFSET, struct ndt_config, ndtc_key_len);
	OFF(RtnlConstants, NDT_CONFIG_NDTC_ENTRY_SIZE_OFFSET, struct ndt_config, ndtc_entry_size);
	OFF(RtnlConstants, NDT_CONFIG_NDTC_ENTRIES_OFFSET, struct ndt_config, ndtc_entries);
	OFF(RtnlConstants, NDT_CONFIG_NDTC_LAST_FLUSH_OFFSET, struct ndt_config, ndtc_last_flush);
	OFF(RtnlConstants, NDT_CONFIG_NDTC_LAST_RAND_OFFSET, struct ndt_config, ndtc_last_rand);
	OFF(RtnlConstants, NDT_CONFIG_NDTC_HASH_RND_OFFSET, struct ndt_config, ndtc_hash_rnd);
	OFF(RtnlConstants, NDT_CONFIG_NDTC_HASH_MASK_OFFSET, struct ndt_config, ndtc_hash_mask);
	OFF(RtnlConstants, NDT_CONFIG_NDTC_HASH_CHAIN_GC_OFFSET, struct ndt_config, ndtc_hash_chain_gc);
	OFF(RtnlConstants, NDT_CONFIG_NDTC_PROXY_QLEN_OFFSET, struct ndt_config, ndtc_proxy_qlen);

	SIZE(RtnlConstants, NDT_STATS_SIZE, struct ndt_stats);
	OFF(RtnlConstants, NDT_STATS_NDTS_ALLOCS_OFFSET, struct ndt_stats, ndts_allocs);
	OFF(RtnlConstants, NDT_STATS_NDTS_DESTROYS_OFFSET, struct ndt_stats, ndts_destroys);
	OFF(RtnlConstants, NDT_STATS_NDTS_HASH_GROWS_OFFSET, struct ndt_stats, ndts_hash_grows);
	OFF(RtnlConstants, NDT_STATS_NDTS_RES_FAILED_OFFSET, struct ndt_stats, ndts_res_failed);
	OFF(RtnlConstants, NDT_STATS_NDTS_LOOKUPS_OFFSET, struct ndt_stats, ndts_lookups);
	OFF(RtnlConstants, NDT_STATS_NDTS_HITS_OFFSET, struct ndt_stats, ndts_hits);
	OFF(RtnlConstants, NDT_STATS_NDTS_RCV_PROBES_MCAST_OFFSET, struct ndt_stats, ndts_rcv_probes_mcast);
	OFF(RtnlConstants, NDT_STATS_NDTS_RCV_PROBES_UCAST_OFFSET, struct ndt_stats, ndts_rcv_probes_ucast);
	OFF(RtnlConstants, NDT_STATS_NDTS_PERIODIC_GC_RUNS_OFFSET, struct ndt_stats, ndts_periodic_gc_runs);
	OFF(RtnlConstants, NDT_STATS_NDTS_FORCED_GC_RUNS_OFFSET, struct ndt_stats, ndts_forced_gc_runs);
	OFF(RtnlConstants, NDT_STATS_NDTS_TABLE_FULLS_OFFSET, struct ndt_stats, ndts_table_fulls);
}

static void ethtool(void)
{
	STR(EthtoolConstants, ETHTOOL_GENL_NAME);
	P(EthtoolConstants, ETHTOOL_GENL_VERSION);
	STR(EthtoolConstants, ETHTOOL_MCGRP_MONITOR_NAME);

	P(EthtoolConstants, ETHTOOL_MSG_STRSET_GET);
	P(EthtoolConstants, ETHTOOL_MSG_LINKINFO_GET);
	P(EthtoolConstants, ETHTOOL_MSG_LINKSTATE_GET);
	P(EthtoolConstants, ETHTOOL_MSG_FEATURES_GET);
	P(EthtoolConstants, ETHTOOL_MSG_RINGS_GET);
	P(EthtoolConstants, ETHTOOL_MSG_CHANNELS_GET);
	P(EthtoolConstants, ETHTOOL_MSG_STATS_GET);

	P(EthtoolConstants, ETHTOOL_MSG_STRSET_GET_REPLY);
	P(EthtoolConstants, ETHTOOL_MSG_LINKINFO_GET_REPLY);
	P(EthtoolConstants, ETHTOOL_MSG_LINKINFO_NTF);
	P(EthtoolConstants, ETHTOOL_MSG_LINKSTATE_GET_REPLY);
	P(EthtoolConstants, ETHTOOL_MSG_FEATURES_GET_REPLY);
	P(EthtoolConstants, ETHTOOL_MSG_FEATURES_NTF);
	P(EthtoolConstants, ETHTOOL_MSG_RINGS_GET_REPLY);
	P(EthtoolConstants, ETHTOOL_MSG_RINGS_NTF);
	P(EthtoolConstants, ETHTOOL_MSG_CHANNELS_GET_REPLY);
	P(EthtoolConstants, ETHTOOL_MSG_CHANNELS_NTF);
	P(EthtoolConstants, ETHTOOL_MSG_STATS_GET_REPLY);

	P(EthtoolConstants, ETHTOOL_FLAG_COMPACT_BITSETS);
	P(EthtoolConstants, ETHTOOL_FLAG_OMIT_REPLY);
#ifdef ETHTOOL_FLAG_STATS
	P(EthtoolConstants, ETHTOOL_FLAG_STATS);
#else
	MISSING(EthtoolConstants, ETHTOOL_FLAG_STATS);
#endif

	P(EthtoolConstants, ETHTOOL_A_HEADER_DEV_INDEX);
	P(EthtoolConstants, ETHTOOL_A_HEADER_DEV_NAME);
	P(EthtoolConstants, ETHTOOL_A_HEADER_FLAGS);

	P(EthtoolConstants, ETHTOOL_A_BITSET_BIT_INDEX);
	P(EthtoolConstants, ETHTOOL_A_BITSET_BIT_NAME);
	P(EthtoolConstants, ETHTOOL_A_BITSET_BIT_VALUE);
	P(EthtoolConstants, ETHTOOL_A_BITSET_BITS_BIT);
	P(EthtoolConstants, ETHTOOL_A_BITSET_NOMASK);
	P(EthtoolConstants, ETHTOOL_A_BITSET_SIZE);
	P(EthtoolConstants, ETHTOOL_A_BITSET_BITS);
	P(EthtoolConstants, ETHTOOL_A_BITSET_VALUE);
	P(EthtoolConstants, ETHTOOL_A_BITSET_MASK);

	P(EthtoolConstants, ETHTOOL_A_STRING_INDEX);
	P(EthtoolConstants, ETHTOOL_A_STRING_VALUE);
	P(EthtoolConstants, ETHTOOL_A_STRINGS_STRING);
	P(EthtoolConstants, ETHTOOL_A_STRINGSET_ID);
	P(EthtoolConstants, ETHTOOL_A_STRINGSET_COUNT);
	P(EthtoolConstants, ETHTOOL_A_STRINGSET_STRINGS);
	P(EthtoolConstants, ETHTOOL_A_STRINGSETS_STRINGSET);
	P(EthtoolConstants, ETHTOOL_A_STRSET_HEADER);
	P(EthtoolConstants, ETHTOOL_A_STRSET_STRINGSETS);
	P(EthtoolConstants, ETHTOOL_A_STRSET_COUNTS_ONLY);

	P(EthtoolConstants, ETHTOOL_A_LINKINFO_HEADER);
	P(EthtoolConstants, ETHTOOL_A_LINKINFO_PORT);
	P(EthtoolConstants, ETHTOOL_A_LINKINFO_PHYADDR);
	P(EthtoolConstants, ETHTOOL_A_LINKINFO_TP_MDIX);
	P(EthtoolConstants, ETHTOOL_A_LINKINFO_TP_MDIX_CTRL);
	P(EthtoolConstants, ETHTOOL_A_LINKINFO_TRANSCEIVER);

	P(EthtoolConstants, ETHTOOL_A_LINKSTATE_HEADER);
	P(EthtoolConstants, ETHTOOL_A_LINKSTATE_LINK);
	P(EthtoolConstants, ETHTOOL_A_LINKSTATE_SQI);
	P(EthtoolConstants, ETHTOOL_A_LINKSTATE_SQI_MAX);
	P(EthtoolConstants, ETHTOOL_A_LINKSTATE_EXT_STATE);
	P(EthtoolConstants, ETHTOOL_A_LINKSTATE_EXT_SUBSTATE);

	P(EthtoolConstants, ETHTOOL_A_FEATURES_HEADER);
	P(EthtoolConstants, ETHTOOL_A_FEATURES_HW);
	P(EthtoolConstants, ETHTOOL_A_FEATURES_WANTED);
	P(EthtoolConstants, ETHTOOL_A_FEATURES_ACTIVE);
	P(EthtoolConstants, ETHTOOL_A_FEATURES_NOCHANGE);

	P(EthtoolConstants, ETHTOOL_A_RINGS_HEADER);
	P(EthtoolConstants, ETHTOOL_A_RINGS_RX_MAX);
	P(EthtoolConstants, ETHTOOL_A_RINGS_RX_MINI_MAX);
	P(EthtoolConstants, ETHTOOL_A_RINGS_RX_JUMBO_MAX);
	P(EthtoolConstants, ETHTOOL_A_RINGS_TX_MAX);
	P(EthtoolConstants, ETHTOOL_A_RINGS_RX);
	P(EthtoolConstants, ETHTOOL_A_RINGS_RX_MINI);
	P(EthtoolConstants, ETHTOOL_A_RINGS_RX_JUMBO);
	P(EthtoolConstants, ETHTOOL_A_RINGS_TX);
	P(EthtoolConstants, ETHTOOL_A_RINGS_RX_BUF_LEN);
	P(EthtoolConstants, ETHTOOL_A_RINGS_TCP_DATA_SPLIT);
	P(EthtoolConstants, ETHTOOL_A_RINGS_CQE_SIZE);
	P(EthtoolConstants, ETHTOOL_A_RINGS_TX_PUSH);

	P(EthtoolConstants, ETHTOOL_A_CHANNELS_HEADER);
	P(EthtoolConstants, ETHTOOL_A_CHANNELS_RX_MAX);
	P(EthtoolConstants, ETHTOOL_A_CHANNELS_TX_MAX);
	P(EthtoolConstants, ETHTOOL_A_CHANNELS_OTHER_MAX);
	P(EthtoolConstants, ETHTOOL_A_CHANNELS_COMBINED_MAX);
	P(EthtoolConstants, ETHTOOL_A_CHANNELS_RX_COUNT);
	P(EthtoolConstants, ETHTOOL_A_CHANNELS_TX_COUNT);
	P(EthtoolConstants, ETHTOOL_A_CHANNELS_OTHER_COUNT);
	P(EthtoolConstants, ETHTOOL_A_CHANNELS_COMBINED_COUNT);

	P(EthtoolConstants, ETHTOOL_A_STATS_PAD);
	P(EthtoolConstants, ETHTOOL_A_STATS_HEADER);
	P(EthtoolConstants, ETHTOOL_A_STATS_GROUPS);
	P(EthtoolConstants, ETHTOOL_A_STATS_GRP);

	P(EthtoolConstants, ETHTOOL_STATS_ETH_PHY);
	P(EthtoolConstants, ETHTOOL_STATS_ETH_MAC);
	P(EthtoolConstants, ETHTOOL_STATS_ETH_CTRL);
	P(EthtoolConstants, ETHTOOL_STATS_RMON);

	P(EthtoolConstants, ETHTOOL_A_STATS_GRP_PAD);
	P(EthtoolConstants, ETHTOOL_A_STATS_GRP_ID);
	P(EthtoolConstants, ETHTOOL_A_STATS_GRP_SS_ID);
	P(EthtoolConstants, ETHTOOL_A_STATS_GRP_STAT);
	P(EthtoolConstants, ETHTOOL_A_STATS_GRP_HIST_RX);
	P(EthtoolConstants, ETHTOOL_A_STATS_GRP_HIST_TX);
	P(EthtoolConstants, ETHTOOL_A_STATS_GRP_HIST_BKT_LOW);
	P(EthtoolConstants, ETHTOOL_A_STATS_GRP_HIST_BKT_HI);
	P(EthtoolConstants, ETHTOOL_A_STATS_GRP_HIST_VAL);

	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_PHY_5_SYM_ERR);

	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_2_TX_PKT);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_3_SINGLE_COL);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_4_MULTI_COL);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_5_RX_PKT);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_6_FCS_ERR);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_7_ALIGN_ERR);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_8_TX_BYTES);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_9_TX_DEFER);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_10_LATE_COL);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_11_XS_COL);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_12_TX_INT_ERR);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_13_CS_ERR);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_14_RX_BYTES);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_15_RX_INT_ERR);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_18_TX_MCAST);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_19_TX_BCAST);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_20_XS_DEFER);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_21_RX_MCAST);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_22_RX_BCAST);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_23_IR_LEN_ERR);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_24_OOR_LEN);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_MAC_25_TOO_LONG_ERR);

	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_CTRL_3_TX);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_CTRL_4_RX);
	P(EthtoolConstants, ETHTOOL_A_STATS_ETH_CTRL_5_RX_UNSUP);

	P(EthtoolConstants, ETHTOOL_A_STATS_RMON_UNDERSIZE);
	P(EthtoolConstants, ETHTOOL_A_STATS_RMON_OVERSIZE);
	P(EthtoolConstants, ETHTOOL_A_STATS_RMON_FRAG);
	P(EthtoolConstants, ETHTOOL_A_STATS_RMON_JABBER);

	P(EthtoolConstants, ETH_SS_TEST);
	P(EthtoolConstants, ETH_SS_STATS);
	P(EthtoolConstants, ETH_SS_PRIV_FLAGS);
	P(EthtoolConstants, ETH_SS_NTUPLE_FILTERS);
	P(EthtoolConstants, ETH_SS_FEATURES);
	P(EthtoolConstants, ETH_SS_RSS_HASH_FUNCS);
	P(EthtoolConstants, ETH_SS_TUNABLES);
	P(EthtoolConstants, ETH_SS_PHY_STATS);
	P(EthtoolConstants, ETH_SS_PHY_TUNABLES);
	P(EthtoolConstants, ETH_SS_LINK_MODES);
	P(EthtoolConstants, ETH_SS_MSG_CLASSES);
	P(EthtoolConstants, ETH_SS_WOL_MODES);
	P(EthtoolConstants, ETH_SS_SOF_TIMESTAMPING);
	P(EthtoolConstants, ETH_SS_TS_TX_TYPES);
	P(EthtoolConstants, ETH_SS_TS_RX_FILTERS);
	P(EthtoolConstants, ETH_SS_UDP_TUNNEL_TYPES);
	P(EthtoolConstants, ETH_SS_STATS_STD);
	P(EthtoolConstants, ETH_SS_STATS_ETH_PHY);
	P(EthtoolConstants, ETH_SS_STATS_ETH_MAC);
	P(EthtoolConstants, ETH_SS_STATS_ETH_CTRL);
	P(EthtoolConstants, ETH_SS_STATS_RMON);

	/* the ioctl interface: driver name and the free-form NIC counters have no netlink equivalent */
	P(EthtoolConstants, AF_INET);
	P(EthtoolConstants, SOCK_DGRAM);
	P(EthtoolConstants, SOCK_CLOEXEC);
	P(EthtoolConstants, SIOCETHTOOL);
	P(EthtoolConstants, ETHTOOL_GDRVINFO);
	P(EthtoolConstants, ETHTOOL_GSTRINGS);
	P(EthtoolConstants, ETHTOOL_GSTATS);
	P(EthtoolConstants, ETHTOOL_GSSET_INFO);
	P(EthtoolConstants, ETH_GSTRING_LEN);
	P(EthtoolConstants, ETHTOOL_FWVERS_LEN);
	P(EthtoolConstants, ETHTOOL_BUSINFO_LEN);

	SIZE(EthtoolConstants, ETHTOOL_DRVINFO_SIZE, struct ethtool_drvinfo);
	OFF(EthtoolConstants, ETHTOOL_DRVINFO_CMD_OFFSET, struct ethtool_drvinfo, cmd);
	OFF(EthtoolConstants, ETHTOOL_DRVINFO_DRIVER_OFFSET, struct ethtool_drvinfo, driver);
	LEN(EthtoolConstants, ETHTOOL_DRVINFO_DRIVER_LEN, struct ethtool_drvinfo, driver);
	OFF(EthtoolConstants, ETHTOOL_DRVINFO_VERSION_OFFSET, struct ethtool_drvinfo, version);
	LEN(EthtoolConstants, ETHTOOL_DRVINFO_VERSION_LEN, struct ethtool_drvinfo, version);
	OFF(EthtoolConstants, ETHTOOL_DRVINFO_FW_VERSION_OFFSET, struct ethtool_drvinfo, fw_version);
	OFF(EthtoolConstants, ETHTOOL_DRVINFO_BUS_INFO_OFFSET, struct ethtool_drvinfo, bus_info);
	OFF(EthtoolConstants, ETHTOOL_DRVINFO_N_PRIV_FLAGS_OFFSET, struct ethtool_drvinfo, n_priv_flags);
	OFF(EthtoolConstants, ETHTOOL_DRVINFO_N_STATS_OFFSET, struct ethtool_drvinfo, n_stats);

	SIZE(EthtoolConstants, ETHTOOL_SSET_INFO_SIZE, struct ethtool_sset_info);
	OFF(EthtoolConstants, ETHTOOL_SSET_INFO_CMD_OFFSET, struct ethtool_sset_info, cmd);
	OFF(EthtoolConstants, ETHTOOL_SSET_INFO_SSET_MASK_OFFSET, struct ethtool_sset_info, sset_mask);
	OFF(EthtoolConstants, ETHTOOL_SSET_INFO_DATA_OFFSET, struct ethtool_sset_info, data);

	SIZE(EthtoolConstants, ETHTOOL_GSTRINGS_SIZE, struct ethtool_gstrings);
	OFF(EthtoolConstants, ETHTOOL_GSTRINGS_CMD_OFFSET, struct ethtool_gstrings, cmd);
	OFF(EthtoolConstants, ETHTOOL_GSTRINGS_STRING_SET_OFFSET, struct ethtool_gstrings, string_set);
	OFF(EthtoolConstants, ETHTOOL_GSTRINGS_LEN_OFFSET, struct ethtool_gstrings, len);
	OFF(EthtoolConstants, ETHTOOL_GSTRINGS_DATA_OFFSET, struct ethtool_gstrings, data);

	SIZE(EthtoolConstants, ETHTOOL_GSTATS_SIZE, struct ethtool_stats);
	OFF(EthtoolConstants, ETHTOOL_GSTATS_CMD_OFFSET, struct ethtool_stats, cmd);
	OFF(EthtoolConstants, ETHTOOL_GSTATS_N_STATS_OFFSET, struct ethtool_stats, n_stats);
	OFF(EthtoolConstants, ETHTOOL_GSTATS_DATA_OFFSET, struct ethtool_stats, data);

	P(EthtoolConstants, IFNAMSIZ);
	SIZE(EthtoolConstants, IFREQ_SIZE, struct ifreq);
	OFF(EthtoolConstants, IFREQ_IFR_NAME_OFFSET, struct ifreq, ifr_name);
	OFF(EthtoolConstants, IFREQ_IFR_DATA_OFFSET, struct ifreq, ifr_data);
}

static void nfct(void)
{
	P(NfctConstants, NFNL_SUBSYS_CTNETLINK);
	P(NfctConstants, NFNETLINK_V0);

	SIZE(NfctConstants, NFGENMSG_SIZE, struct nfgenmsg);
	OFF(NfctConstants, NFGENMSG_NFGEN_FAMILY_OFFSET, struct nfgenmsg, nfgen_family);
	OFF(NfctConstants, NFGENMSG_VERSION_OFFSET, struct nfgenmsg, version);
	OFF(NfctConstants, NFGENMSG_RES_ID_OFFSET, struct nfgenmsg, res_id);

	P(NfctConstants, IPCTNL_MSG_CT_GET_STATS_CPU);
	P(NfctConstants, IPCTNL_MSG_CT_GET_STATS);

	P(NfctConstants, CTA_STATS_SEARCHED);
	P(NfctConstants, CTA_STATS_FOUND);
	P(NfctConstants, CTA_STATS_NEW);
	P(NfctConstants, CTA_STATS_INVALID);
	P(NfctConstants, CTA_STATS_IGNORE);
	P(NfctConstants, CTA_STATS_DELETE);
	P(NfctConstants, CTA_STATS_DELETE_LIST);
	P(NfctConstants, CTA_STATS_INSERT);
	P(NfctConstants, CTA_STATS_INSERT_FAILED);
	P(NfctConstants, CTA_STATS_DROP);
	P(NfctConstants, CTA_STATS_EARLY_DROP);
	P(NfctConstants, CTA_STATS_ERROR);
	P(NfctConstants, CTA_STATS_SEARCH_RESTART);
	P(NfctConstants, CTA_STATS_CLASH_RESOLVE);
	P(NfctConstants, CTA_STATS_CHAIN_TOOLONG);

	P(NfctConstants, CTA_STATS_GLOBAL_ENTRIES);
	P(NfctConstants, CTA_STATS_GLOBAL_MAX_ENTRIES);
}

static void sockdiag(void)
{
	P(SockDiagConstants, NETLINK_SOCK_DIAG);
	P(SockDiagConstants, SOCK_DIAG_BY_FAMILY);
	P(SockDiagConstants, AF_INET);
	P(SockDiagConstants, AF_INET6);
	P(SockDiagConstants, IPPROTO_TCP);
	P(SockDiagConstants, IPPROTO_UDP);

	SIZE(SockDiagConstants, INET_DIAG_SOCKID_SIZE, struct inet_diag_sockid);
	OFF(SockDiagConstants, INET_DIAG_SOCKID_SPORT_OFFSET, struct inet_diag_sockid, idiag_sport);
	OFF(SockDiagConstants, INET_DIAG_SOCKID_DPORT_OFFSET, struct inet_diag_sockid, idiag_dport);
	OFF(SockDiagConstants, INET_DIAG_SOCKID_SRC_OFFSET, struct inet_diag_sockid, idiag_src);
	OFF(SockDiagConstants, INET_DIAG_SOCKID_DST_OFFSET, struct inet_diag_sockid, idiag_dst);
	OFF(SockDiagConstants, INET_DIAG_SOCKID_IF_OFFSET, struct inet_diag_sockid, idiag_if);
	OFF(SockDiagConstants, INET_DIAG_SOCKID_COOKIE_OFFSET, struct inet_diag_sockid, idiag_cookie);

	SIZE(SockDiagConstants, INET_DIAG_REQ_V2_SIZE, struct inet_diag_req_v2);
	OFF(SockDiagConstants, INET_DIAG_REQ_V2_FAMILY_OFFSET, struct inet_diag_req_v2, sdiag_family);
	OFF(SockDiagConstants, INET_DIAG_REQ_V2_PROTOCOL_OFFSET, struct inet_diag_req_v2, sdiag_protocol);
	OFF(SockDiagConstants, INET_DIAG_REQ_V2_EXT_OFFSET, struct inet_diag_req_v2, idiag_ext);
	OFF(SockDiagConstants, INET_DIAG_REQ_V2_STATES_OFFSET, struct inet_diag_req_v2, idiag_states);
	OFF(SockDiagConstants, INET_DIAG_REQ_V2_ID_OFFSET, struct inet_diag_req_v2, id);

	SIZE(SockDiagConstants, INET_DIAG_MSG_SIZE, struct inet_diag_msg);
	OFF(SockDiagConstants, INET_DIAG_MSG_FAMILY_OFFSET, struct inet_diag_msg, idiag_family);
	OFF(SockDiagConstants, INET_DIAG_MSG_STATE_OFFSET, struct inet_diag_msg, idiag_state);
	OFF(SockDiagConstants, INET_DIAG_MSG_TIMER_OFFSET, struct inet_diag_msg, idiag_timer);
	OFF(SockDiagConstants, INET_DIAG_MSG_RETRANS_OFFSET, struct inet_diag_msg, idiag_retrans);
	OFF(SockDiagConstants, INET_DIAG_MSG_ID_OFFSET, struct inet_diag_msg, id);
	OFF(SockDiagConstants, INET_DIAG_MSG_EXPIRES_OFFSET, struct inet_diag_msg, idiag_expires);
	OFF(SockDiagConstants, INET_DIAG_MSG_RQUEUE_OFFSET, struct inet_diag_msg, idiag_rqueue);
	OFF(SockDiagConstants, INET_DIAG_MSG_WQUEUE_OFFSET, struct inet_diag_msg, idiag_wqueue);
	OFF(SockDiagConstants, INET_DIAG_MSG_UID_OFFSET, struct inet_diag_msg, idiag_uid);
	OFF(SockDiagConstants, INET_DIAG_MSG_INODE_OFFSET, struct inet_diag_msg, idiag_inode);

	P(SockDiagConstants, INET_DIAG_MEMINFO);
	P(SockDiagConstants, INET_DIAG_INFO);
	P(SockDiagConstants, INET_DIAG_SKMEMINFO);
	P(SockDiagConstants, INET_DIAG_SHUTDOWN);

	P(SockDiagConstants, SK_MEMINFO_RMEM_ALLOC);
	P(SockDiagConstants, SK_MEMINFO_RCVBUF);
	P(SockDiagConstants, SK_MEMINFO_WMEM_ALLOC);
	P(SockDiagConstants, SK_MEMINFO_SNDBUF);
	P(SockDiagConstants, SK_MEMINFO_FWD_ALLOC);
	P(SockDiagConstants, SK_MEMINFO_WMEM_QUEUED);
	P(SockDiagConstants, SK_MEMINFO_OPTMEM);
	P(SockDiagConstants, SK_MEMINFO_BACKLOG);
	P(SockDiagConstants, SK_MEMINFO_DROPS);
	P(SockDiagConstants, SK_MEMINFO_VARS);

	/* the kernel's tcp_states.h is not UAPI; bpf.h mirrors it (glibc's netinet/tcp.h clashes with linux/tcp.h) */
	V(SockDiagConstants, TCP_ESTABLISHED, BPF_TCP_ESTABLISHED);
	V(SockDiagConstants, TCP_CLOSE, BPF_TCP_CLOSE);
	V(SockDiagConstants, TCP_LISTEN, BPF_TCP_LISTEN);

	OFF(SockDiagConstants, TCP_INFO_STATE_OFFSET, struct tcp_info, tcpi_state);
	OFF(SockDiagConstants, TCP_INFO_PROBES_OFFSET, struct tcp_info, tcpi_probes);
	OFF(SockDiagConstants, TCP_INFO_BACKOFF_OFFSET, struct tcp_info, tcpi_backoff);
	OFF(SockDiagConstants, TCP_INFO_RCV_MSS_OFFSET, struct tcp_info, tcpi_rcv_mss);
	OFF(SockDiagConstants, TCP_INFO_UNACKED_OFFSET, struct tcp_info, tcpi_unacked);
	OFF(SockDiagConstants, TCP_INFO_LAST_DATA_SENT_OFFSET, struct tcp_info, tcpi_last_data_sent);
	OFF(SockDiagConstants, TCP_INFO_LAST_DATA_RECV_OFFSET, struct tcp_info, tcpi_last_data_recv);
	OFF(SockDiagConstants, TCP_INFO_RTT_OFFSET, struct tcp_info, tcpi_rtt);
	OFF(SockDiagConstants, TCP_INFO_RCV_SPACE_OFFSET, struct tcp_info, tcpi_rcv_space);
	OFF(SockDiagConstants, TCP_INFO_TOTAL_RETRANS_OFFSET, struct tcp_info, tcpi_total_retrans);
	OFF(SockDiagConstants, TCP_INFO_BYTES_ACKED_OFFSET, struct tcp_info, tcpi_bytes_acked);
	OFF(SockDiagConstants, TCP_INFO_BYTES_RECEIVED_OFFSET, struct tcp_info, tcpi_bytes_received);
	OFF(SockDiagConstants, TCP_INFO_SND_WND_OFFSET, struct tcp_info, tcpi_snd_wnd);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 2, 0)
	OFF(SockDiagConstants, TCP_INFO_RCV_WND_OFFSET, struct tcp_info, tcpi_rcv_wnd);
#else
	MISSING(SockDiagConstants, TCP_INFO_RCV_WND_OFFSET);
#endif
}

/* nf_tables dumps and expression attributes (netlink/nftables/): the numbers the rule decoder reads. */
static void nftables(void)
{
	P(NftConstants, NFNL_SUBSYS_NFTABLES);
	P(NftConstants, NFT_MSG_NEWTABLE);
	P(NftConstants, NFT_MSG_GETTABLE);
	P(NftConstants, NFT_MSG_NEWCHAIN);
	P(NftConstants, NFT_MSG_GETCHAIN);
	P(NftConstants, NFT_MSG_NEWRULE);
	P(NftConstants, NFT_MSG_GETRULE);
	P(NftConstants, NFT_MSG_NEWSETELEM);
	P(NftConstants, NFT_MSG_GETSETELEM);
	P(NftConstants, NFTA_SET_ELEM_LIST_TABLE);
	P(NftConstants, NFTA_SET_ELEM_LIST_SET);
	P(NftConstants, NFTA_SET_ELEM_LIST_ELEMENTS);
	P(NftConstants, NFTA_SET_ELEM_KEY);
	P(NftConstants, NFTA_SET_ELEM_FLAGS);
	P(NftConstants, NFTA_SET_ELEM_KEY_END);
	P(NftConstants, NFT_SET_ELEM_INTERVAL_END);
	P(NftConstants, NFT_SET_ELEM_CATCHALL);
	P(NftConstants, NFTA_LIST_ELEM);
	P(NftConstants, NFTA_HOOK_HOOKNUM);
	P(NftConstants, NFTA_HOOK_PRIORITY);
	P(NftConstants, NFTA_HOOK_DEV);
	P(NftConstants, NFTA_TABLE_NAME);
	P(NftConstants, NFTA_TABLE_FLAGS);
	P(NftConstants, NFTA_TABLE_USE);
	P(NftConstants, NFTA_TABLE_HANDLE);
	P(NftConstants, NFT_TABLE_F_DORMANT);
	P(NftConstants, NFTA_CHAIN_TABLE);
	P(NftConstants, NFTA_CHAIN_HANDLE);
	P(NftConstants, NFTA_CHAIN_NAME);
	P(NftConstants, NFTA_CHAIN_HOOK);
	P(NftConstants, NFTA_CHAIN_POLICY);
	P(NftConstants, NFTA_CHAIN_USE);
	P(NftConstants, NFTA_CHAIN_TYPE);
	P(NftConstants, NFTA_CHAIN_COUNTERS);
	P(NftConstants, NFTA_RULE_TABLE);
	P(NftConstants, NFTA_RULE_CHAIN);
	P(NftConstants, NFTA_RULE_HANDLE);
	P(NftConstants, NFTA_RULE_EXPRESSIONS);
	P(NftConstants, NFTA_RULE_POSITION);
	P(NftConstants, NFTA_RULE_USERDATA);
	P(NftConstants, NFTA_EXPR_NAME);
	P(NftConstants, NFTA_EXPR_DATA);
	P(NftConstants, NFTA_DATA_VALUE);
	P(NftConstants, NFTA_DATA_VERDICT);
	P(NftConstants, NFTA_VERDICT_CODE);
	P(NftConstants, NFTA_VERDICT_CHAIN);
	P(NftConstants, NFT_REG_VERDICT);
	P(NftConstants, NFT_CONTINUE);
	P(NftConstants, NFT_BREAK);
	P(NftConstants, NFT_JUMP);
	P(NftConstants, NFT_GOTO);
	P(NftConstants, NFT_RETURN);
	P(NftConstants, NF_DROP);
	P(NftConstants, NF_ACCEPT);
	P(NftConstants, NF_STOLEN);
	P(NftConstants, NF_QUEUE);
	P(NftConstants, NFTA_IMMEDIATE_DREG);
	P(NftConstants, NFTA_IMMEDIATE_DATA);
	P(NftConstants, NFTA_CMP_SREG);
	P(NftConstants, NFTA_CMP_OP);
	P(NftConstants, NFTA_CMP_DATA);
	P(NftConstants, NFT_CMP_EQ);
	P(NftConstants, NFT_CMP_NEQ);
	P(NftConstants, NFT_CMP_LT);
	P(NftConstants, NFT_CMP_LTE);
	P(NftConstants, NFT_CMP_GT);
	P(NftConstants, NFT_CMP_GTE);
	P(NftConstants, NFTA_BITWISE_SREG);
	P(NftConstants, NFTA_BITWISE_DREG);
	P(NftConstants, NFTA_BITWISE_LEN);
	P(NftConstants, NFTA_BITWISE_MASK);
	P(NftConstants, NFTA_BITWISE_XOR);
	P(NftConstants, NFTA_BITWISE_OP);
	P(NftConstants, NFTA_BITWISE_DATA);
	P(NftConstants, NFTA_RANGE_SREG);
	P(NftConstants, NFTA_RANGE_OP);
	P(NftConstants, NFTA_RANGE_FROM_DATA);
	P(NftConstants, NFTA_RANGE_TO_DATA);
	P(NftConstants, NFTA_LOOKUP_SET);
	P(NftConstants, NFTA_LOOKUP_SREG);
	P(NftConstants, NFTA_LOOKUP_DREG);
	P(NftConstants, NFTA_LOOKUP_FLAGS);
	P(NftConstants, NFT_LOOKUP_F_INV);
	P(NftConstants, NFTA_PAYLOAD_DREG);
	P(NftConstants, NFTA_PAYLOAD_BASE);
	P(NftConstants, NFTA_PAYLOAD_OFFSET);
	P(NftConstants, NFTA_PAYLOAD_LEN);
	P(NftConstants, NFTA_PAYLOAD_SREG);
	P(NftConstants, NFT_PAYLOAD_LL_HEADER);
	P(NftConstants, NFT_PAYLOAD_NETWORK_HEADER);
	P(NftConstants, NFT_PAYLOAD_TRANSPORT_HEADER);
	P(NftConstants, NFTA_META_DREG);
	P(NftConstants, NFTA_META_KEY);
	P(NftConstants, NFTA_META_SREG);
	P(NftConstants, NFT_META_PROTOCOL);
	P(NftConstants, NFT_META_MARK);
	P(NftConstants, NFT_META_IIF);
	P(NftConstants, NFT_META_OIF);
	P(NftConstants, NFT_META_IIFNAME);
	P(NftConstants, NFT_META_OIFNAME);
	P(NftConstants, NFT_META_NFPROTO);
	P(NftConstants, NFT_META_L4PROTO);
	P(NftConstants, NFTA_CT_DREG);
	P(NftConstants, NFTA_CT_KEY);
	P(NftConstants, NFTA_CT_DIRECTION);
	P(NftConstants, NFTA_CT_SREG);
	P(NftConstants, NFT_CT_STATE);
	P(NftConstants, NFT_CT_MARK);
	P(NftConstants, NFTA_COUNTER_BYTES);
	P(NftConstants, NFTA_COUNTER_PACKETS);
	P(NftConstants, NFTA_LIMIT_RATE);
	P(NftConstants, NFTA_LIMIT_UNIT);
	P(NftConstants, NFTA_LIMIT_BURST);
	P(NftConstants, NFTA_LIMIT_TYPE);
	P(NftConstants, NFTA_LIMIT_FLAGS);
	P(NftConstants, NFT_LIMIT_PKT_BYTES);
	P(NftConstants, NFT_LIMIT_F_INV);
	P(NftConstants, NFTA_LOG_GROUP);
	P(NftConstants, NFTA_LOG_PREFIX);
	P(NftConstants, NFTA_LOG_LEVEL);
	P(NftConstants, NFTA_QUEUE_NUM);
	P(NftConstants, NFTA_QUEUE_TOTAL);
	P(NftConstants, NFTA_QUEUE_FLAGS);
	P(NftConstants, NFT_QUEUE_FLAG_BYPASS);
	P(NftConstants, NFT_QUEUE_FLAG_CPU_FANOUT);
	P(NftConstants, NFTA_REJECT_TYPE);
	P(NftConstants, NFTA_REJECT_ICMP_CODE);
	P(NftConstants, NFT_REJECT_ICMP_UNREACH);
	P(NftConstants, NFT_REJECT_TCP_RST);
	P(NftConstants, NFT_REJECT_ICMPX_UNREACH);
	P(NftConstants, NFT_REJECT_ICMPX_PORT_UNREACH);
	P(NftConstants, NFTA_MATCH_NAME);
	P(NftConstants, NFTA_MATCH_REV);
	P(NftConstants, NFTA_TARGET_NAME);
	P(NftConstants, NFTA_TARGET_REV);
	P(NftConstants, NFTA_NAT_TYPE);
	P(NftConstants, NFTA_NAT_REG_ADDR_MIN);
	P(NftConstants, NFT_NAT_SNAT);
	P(NftConstants, NFT_NAT_DNAT);
	P(NftConstants, NFPROTO_UNSPEC);
	P(NftConstants, NFPROTO_INET);
	P(NftConstants, NFPROTO_IPV4);
	P(NftConstants, NFPROTO_ARP);
	P(NftConstants, NFPROTO_NETDEV);
	P(NftConstants, NFPROTO_BRIDGE);
	P(NftConstants, NFPROTO_IPV6);
}

static void bpf(void)
{
	P(BpfConstants, BPF_LD);
	P(BpfConstants, BPF_LDX);
	P(BpfConstants, BPF_ST);
	P(BpfConstants, BPF_STX);
	P(BpfConstants, BPF_ALU);
	P(BpfConstants, BPF_JMP);
	P(BpfConstants, BPF_JMP32);
	P(BpfConstants, BPF_ALU64);
	P(BpfConstants, BPF_W);
	P(BpfConstants, BPF_H);
	P(BpfConstants, BPF_B);
	P(BpfConstants, BPF_DW);
	P(BpfConstants, BPF_IMM);
	P(BpfConstants, BPF_MEM);
	P(BpfConstants, BPF_ATOMIC);
	P(BpfConstants, BPF_K);
	P(BpfConstants, BPF_X);
	P(BpfConstants, BPF_ADD);
	P(BpfConstants, BPF_SUB);
	P(BpfConstants, BPF_OR);
	P(BpfConstants, BPF_AND);
	P(BpfConstants, BPF_LSH);
	P(BpfConstants, BPF_RSH);
	P(BpfConstants, BPF_MOV);
	P(BpfConstants, BPF_JA);
	P(BpfConstants, BPF_JEQ);
	P(BpfConstants, BPF_JGE);
	P(BpfConstants, BPF_JGT);
	P(BpfConstants, BPF_JNE);
	P(BpfConstants, BPF_JSGE);
	P(BpfConstants, BPF_CALL);
	P(BpfConstants, BPF_EXIT);
	P(BpfConstants, BPF_PSEUDO_MAP_FD);
	P(BpfConstants, BPF_PSEUDO_MAP_VALUE);
	P(BpfConstants, BPF_MAP_CREATE);
	P(BpfConstants, BPF_MAP_LOOKUP_ELEM);
	P(BpfConstants, BPF_MAP_UPDATE_ELEM);
	P(BpfConstants, BPF_MAP_GET_NEXT_KEY);
	P(BpfConstants, BPF_PROG_LOAD);
	P(BpfConstants, BPF_MAP_LOOKUP_BATCH);
	P(BpfConstants, BPF_RAW_TRACEPOINT_OPEN);
	P(BpfConstants, BPF_MAP_TYPE_ARRAY);
	P(BpfConstants, BPF_MAP_TYPE_PERCPU_HASH);
	P(BpfConstants, BPF_MAP_TYPE_PERCPU_ARRAY);
	P(BpfConstants, BPF_MAP_TYPE_RINGBUF);
	P(BpfConstants, BPF_PROG_TYPE_TRACEPOINT);
	P(BpfConstants, BPF_PROG_TYPE_RAW_TRACEPOINT);
	P(BpfConstants, BPF_FUNC_map_lookup_elem);
	P(BpfConstants, BPF_FUNC_map_update_elem);
	P(BpfConstants, BPF_FUNC_ktime_get_ns);
	P(BpfConstants, BPF_FUNC_get_smp_processor_id);
	P(BpfConstants, BPF_FUNC_probe_read_kernel);
	P(BpfConstants, BPF_FUNC_ringbuf_reserve);
	P(BpfConstants, BPF_FUNC_ringbuf_submit);
	P(BpfConstants, BPF_FUNC_ringbuf_output);
	P(BpfConstants, BPF_ANY);
	P(BpfConstants, BPF_RB_NO_WAKEUP);
	P(BpfConstants, BPF_RINGBUF_BUSY_BIT);
	P(BpfConstants, BPF_RINGBUF_DISCARD_BIT);
	P(BpfConstants, BPF_RINGBUF_HDR_SZ);
	P(BpfConstants, BPF_OBJ_NAME_LEN);
	P(BpfConstants, PERF_EVENT_IOC_SET_BPF);
	P(BpfConstants, PERF_EVENT_IOC_QUERY_BPF);
	OFF(BpfConstants, ATTR_MAP_TYPE, union bpf_attr, map_type);
	OFF(BpfConstants, ATTR_KEY_SIZE, union bpf_attr, key_size);
	OFF(BpfConstants, ATTR_VALUE_SIZE, union bpf_attr, value_size);
	OFF(BpfConstants, ATTR_MAX_ENTRIES, union bpf_attr, max_entries);
	OFF(BpfConstants, ATTR_MAP_FLAGS, union bpf_attr, map_flags);
	OFF(BpfConstants, ATTR_MAP_NAME, union bpf_attr, map_name);
	OFF(BpfConstants, ATTR_MAP_FD, union bpf_attr, map_fd);
	OFF(BpfConstants, ATTR_KEY, union bpf_attr, key);
	OFF(BpfConstants, ATTR_VALUE, union bpf_attr, value);
	OFF(BpfConstants, ATTR_NEXT_KEY, union bpf_attr, next_key);
	OFF(BpfConstants, ATTR_ELEM_FLAGS, union bpf_attr, flags);
	OFF(BpfConstants, ATTR_BATCH_IN_BATCH, union bpf_attr, batch.in_batch);
	OFF(BpfConstants, ATTR_BATCH_OUT_BATCH, union bpf_attr, batch.out_batch);
	OFF(BpfConstants, ATTR_BATCH_KEYS, union bpf_attr, batch.keys);
	OFF(BpfConstants, ATTR_BATCH_VALUES, union bpf_attr, batch.values);
	OFF(BpfConstants, ATTR_BATCH_COUNT, union bpf_attr, batch.count);
	OFF(BpfConstants, ATTR_BATCH_MAP_FD, union bpf_attr, batch.map_fd);
	OFF(BpfConstants, ATTR_BATCH_ELEM_FLAGS, union bpf_attr, batch.elem_flags);
	OFF(BpfConstants, ATTR_BATCH_FLAGS, union bpf_attr, batch.flags);
	OFF(BpfConstants, ATTR_PROG_TYPE, union bpf_attr, prog_type);
	OFF(BpfConstants, ATTR_INSN_CNT, union bpf_attr, insn_cnt);
	OFF(BpfConstants, ATTR_INSNS, union bpf_attr, insns);
	OFF(BpfConstants, ATTR_LICENSE, union bpf_attr, license);
	OFF(BpfConstants, ATTR_LOG_LEVEL, union bpf_attr, log_level);
	OFF(BpfConstants, ATTR_LOG_SIZE, union bpf_attr, log_size);
	OFF(BpfConstants, ATTR_LOG_BUF, union bpf_attr, log_buf);
	OFF(BpfConstants, ATTR_PROG_NAME, union bpf_attr, prog_name);
	OFF(BpfConstants, ATTR_RAW_TP_NAME, union bpf_attr, raw_tracepoint.name);
	OFF(BpfConstants, ATTR_RAW_TP_PROG_FD, union bpf_attr, raw_tracepoint.prog_fd);
	SIZE(BpfConstants, BPF_INSN_SIZE, struct bpf_insn);
}

int main(void)
{
	netlink();
	genl();
	sys();
	netdm();
	rtnl();
	ethtool();
	nfct();
	sockdiag();
	nftables();
	bpf();
	/* a full disk or closed pipe must not pass for a short, "complete" list */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("uapi_probe: stdout");
		return EXIT_FAILURE;
	}
	return EXIT_SUCCESS;
}
