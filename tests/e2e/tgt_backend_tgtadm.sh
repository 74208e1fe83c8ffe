#!/bin/bash
# tgt_backend.sh with transport="tgtadm": the fallback path stays tested.
TGT_TRANSPORT=tgtadm
export TGT_TRANSPORT
. "$top_srcdir/tests/e2e/tgt_backend.sh"
