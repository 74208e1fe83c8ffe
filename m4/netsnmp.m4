# SPDX-License-Identifier: BSD-3-Clause
# LUNMAP_CHECK_NETSNMP: find net-snmp's agent library through net-snmp-config.
# Sets NETSNMP_CFLAGS, NETSNMP_LIBS and NETSNMP_MIBDIR.
AC_DEFUN([LUNMAP_CHECK_NETSNMP], [
  AC_PATH_PROG([NETSNMP_CONFIG], [net-snmp-config], [no])
  AS_IF([test "x$NETSNMP_CONFIG" = xno],
        [AC_MSG_ERROR([net-snmp-config not found: install the Debian package libsnmp-dev])])
  AC_MSG_CHECKING([for net-snmp agent flags])
  # Keep only preprocessor flags: net-snmp's own -O2/-g/-f options would
  # override ours (and its -Ulinux trick is needed by its headers).
  NETSNMP_CFLAGS=""
  for f in `$NETSNMP_CONFIG --base-cflags`; do
    case "$f" in
      -D*|-U*|-I*) NETSNMP_CFLAGS="$NETSNMP_CFLAGS $f" ;;
    esac
  done
  NETSNMP_LIBS="`$NETSNMP_CONFIG --netsnmp-agent-libs`"
  AC_MSG_RESULT([ok])
  lunmap_save_CFLAGS="$CFLAGS"; lunmap_save_LIBS="$LIBS"
  CFLAGS="$CFLAGS $NETSNMP_CFLAGS"; LIBS="$LIBS $NETSNMP_LIBS"
  AC_MSG_CHECKING([whether the net-snmp agent library links])
  AC_LINK_IFELSE([AC_LANG_PROGRAM([[
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
]], [[init_agent("x"); return 0;]])],
    [AC_MSG_RESULT([yes])],
    [AC_MSG_RESULT([no]); AC_MSG_ERROR([cannot link net-snmp's agent library: install the Debian package libsnmp-dev])])
  CFLAGS="$lunmap_save_CFLAGS"; LIBS="$lunmap_save_LIBS"
  AC_MSG_CHECKING([for net-snmp's MIB folder])
  NETSNMP_MIBDIR=`$NETSNMP_CONFIG --prefix`/share/snmp/mibs
  AC_MSG_RESULT([$NETSNMP_MIBDIR])
  AC_SUBST([NETSNMP_CFLAGS])
  AC_SUBST([NETSNMP_LIBS])
  AC_SUBST([NETSNMP_MIBDIR])
])
