#!/bin/bash
# One call on the lent GPU machine (see scripts/gpu/prepare.sh): trains four melody models in parallel for about
# 3.5 minutes each while the CUDA tests run, then times the engine (issue 17's GPU targets) on an idle GPU.
# Everything it prints is in $OUT/log.txt and $OUT/train.txt; the checkpoints come back as $OUT/*.pt.
export PYTHONPATH=$PWD/.gpu/site:$PWD PYTHONUNBUFFERED=1
LOG=$OUT/log.txt
nvidia-smi -L | tee -a "$LOG"
python3 -c "import torch, sys; print(sys.version, torch.__version__, torch.cuda.get_device_name())" 2>&1 | tee -a "$LOG"
mkdir -p /tmp/train
train() {  # name, then model.train's size flags
  name=$1; shift
  timeout 250 python3 -m model.train --device cuda --minutes 3.4 --patience 5 --out "/tmp/train/$name.pt" "$@" \
    > "/tmp/train/$name.log" 2>&1
}
train d256 &
train w384 --hidden 384 --dropout 0.3 &
train w512 --hidden 512 --dropout 0.35 &
train l3 --layers 3 --dropout 0.25 &
timeout 100 python3 -m pytest -q -W default -p no:cacheprovider tests/model/test_engine.py \
  tests/model/test_lyric_decode.py -k cuda 2>&1 | tail -25 | tee -a "$LOG"
wait
for f in /tmp/train/*.log; do echo "== $f"; tr '\r' '\n' < "$f" | grep -v "it/s\|^$"; done > "$OUT/train.txt"
cp /tmp/train/*.pt "$OUT/" 2>/dev/null
timeout 130 python3 -m bench.engine --device cuda --level engine --sizes 1 8 64 256 1024 2>&1 | tee -a "$LOG"
timeout 50 python3 -m bench.engine --device cuda --level engine --precision bf16 --sizes 1 1024 2>&1 | tee -a "$LOG"
timeout 60 python3 -m bench.gpu_step cuda 1024 2>&1 | tee -a "$LOG"
timeout 40 python3 -m bench.engine --device cuda --level composer --sizes 1 64 2>&1 | tee -a "$LOG"
