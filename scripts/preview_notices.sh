#!/usr/bin/env bash
# Look at the notices as a clerk will: render each built-in template to .docx from a sample
# ledger, convert to PDF with LibreOffice and to PNG pages with pdftoppm.
#
#   scripts/preview_notices.sh [OUTDIR]        (default: /tmp/branchctl-preview)
#
# Needs soffice (apt: libreoffice-writer-nogui), pdftoppm (poppler-utils) and CJK fonts
# (fonts-noto-cjk; fonts-arphic-ukai as a stand-in for 楷体). The official fonts (仿宋_GB2312,
# 方正小标宋简体, 楷体_GB2312, 黑体) are mapped to those free fonts by a private fontconfig file,
# so the pages show the layout, not the exact glyphs of a Windows machine.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-/tmp/branchctl-preview}
PY=${PY:-$REPO/.venv/bin/python}
BRANCHCTL=("$PY" -m branchctl)
mkdir -p "$OUT"

cat > "$OUT/fonts.conf" <<'XML'
<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <alias binding="same"><family>仿宋_GB2312</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>仿宋</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>方正小标宋简体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>宋体</family><prefer><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>黑体</family><prefer><family>Noto Sans CJK SC</family></prefer></alias>
  <alias binding="same"><family>楷体_GB2312</family><prefer><family>AR PL UKai CN</family><family>Noto Serif CJK SC</family></prefer></alias>
  <alias binding="same"><family>楷体</family><prefer><family>AR PL UKai CN</family><family>Noto Serif CJK SC</family></prefer></alias>
</fontconfig>
XML
export FONTCONFIG_FILE="$OUT/fonts.conf"

# Sample data: a 60-branch ledger with its three lists, and two township submissions with errors.
PYTHONPATH="$REPO" "$PY" - "$OUT" <<'PY'
import sys
from pathlib import Path

from tests.builders import (
    Layout, classification_sheet, lists_combined_sheet, sample_branches, sample_problems,
    with_wrong_claim, write_workbook,
)

out = Path(sys.argv[1])
records = sample_branches(60, seed=7)
write_workbook(out / "样例台账.xlsx", [classification_sheet(records), lists_combined_sheet(sample_problems(records, 7))])
folder = out / "报表"
folder.mkdir(exist_ok=True)
for i, org in enumerate(("城关镇党委", "青山乡党委")):
    recs = sample_branches(12, seed=20 + i, townships=[org])
    recs[2] = with_wrong_claim(recs[2], "星级")
    recs[5] = {**recs[5], "基本活动": "？"}
    recs[7] = {**recs[7], "所属党组织": None}
    write_workbook(folder / f"{org}报表.xlsx", [classification_sheet(recs, Layout(org=org))])
PY

set +e
common=(--as-of 2025-06-30 --set 发文机关=中共示例县委组织部 --set 联系人=王明 --set 联系电话=0538-6281234)
"${BRANCHCTL[@]}" notice 通报 --data "$OUT/样例台账.xlsx" -o "$OUT/通报.docx" "${common[@]}" --set 文号=示组通〔2025〕12号
"${BRANCHCTL[@]}" notice 公示 --data "$OUT/样例台账.xlsx" -o "$OUT/公示.docx" "${common[@]}" --set 公示期=2025年7月1日至7月7日 --set 印章=无
"${BRANCHCTL[@]}" notice 整改通知书 --data "$OUT/样例台账.xlsx" -o "$OUT/整改通知书.docx" --as-of 2025-06-30
"${BRANCHCTL[@]}" notice 退回修改意见 --data "$OUT/报表" -o "$OUT/退回修改意见.docx" "${common[@]}" --set 报送时限=2025年7月10日
set -e

cd "$OUT"
soffice --headless --convert-to pdf --outdir "$OUT/pdf" ./*.docx > /dev/null 2>&1
for pdf in pdf/*.pdf; do
  pdftoppm -png -r 60 -l 3 "$pdf" "${pdf%.pdf}"
done
echo "PDF and PNG pages: $OUT/pdf"
ls "$OUT/pdf"
