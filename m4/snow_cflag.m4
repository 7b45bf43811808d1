# SPDX-License-Identifier: MIT
# AX_SNOW_CFLAG(FLAG): append FLAG to CFLAGS when the compiler accepts it.
AC_DEFUN([AX_SNOW_CFLAG], [
  AC_MSG_CHECKING([whether $CC accepts $1])
  snow_save_cflags="$CFLAGS"
  CFLAGS="$CFLAGS $1"
  AC_COMPILE_IFELSE([AC_LANG_PROGRAM([], [])],
    [AC_MSG_RESULT([yes])], [AC_MSG_RESULT([no]); CFLAGS="$snow_save_cflags"])
])
