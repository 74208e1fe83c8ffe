#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# tgt_backend.sh with transport="tgtadm": the fallback path stays tested.
TGT_TRANSPORT=tgtadm
export TGT_TRANSPORT
. "$top_srcdir/tests/e2e/tgt_backend.sh"
