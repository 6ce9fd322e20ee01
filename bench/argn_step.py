"""One training step of argn, timed, on the column layouts of real tables.

For each dataset, in a process of its own, a twin is fitted for one epoch on 20,000 rows to
learn its layout (how many tokens each column and link has); then a network of that layout
trains on random tokens of those cardinalities with batches of 512 rows: 5 warm-up steps, then
5 rounds of 10 steps, and the median round gives the step time. The step's cost depends on the
layout, not on the values, so this isolates the training step from the number of epochs a fit
takes. Also printed: the first-layer token table's rows (tokens padded within their groups)
against the rows that padding every column to the widest would take.

Run from the repository root: ``python bench/argn_step.py [--datasets adult ...] [--threads 1 2]``.
Prints one table and writes ``bench/results/argn_step.json``.
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from _isolated import run_each, write_table
from flagship import SHARED

import datatwin
from datatwin.io import read_table
from datatwin.models._argn_net import FusedHeads, random_orders, target_columns

DATASETS = {
    "adult": "adult/adult.csv.gz",
    "credit_default": "credit_default/credit_default.csv.gz",
    "diabetes_130": "diabetes_130/diabetes_130.csv.gz",
}
BATCH, WARMUP, ROUNDS, STEPS = 512, 5, 5, 10


def layout(dataset: str) -> tuple[list[int], int]:
    """The cardinalities of a dataset's model columns (input columns, then links), and how many
    are inputs."""
    data = read_table(SHARED / DATASETS[dataset]).data.sample(20_000, random_state=0)
    model = datatwin.fit(data, model="argn", seed=0, model_options={"max_epochs": 1}).model
    return model._cardinalities(), model.net_.n_inputs


def measure(dataset: str, threads: int, queue) -> None:  # type: ignore[no-untyped-def]
    cards, n_inputs = layout(dataset)  # here, not in the parent: a process forked after torch ran its threads hangs
    torch.set_num_threads(threads)
    generator = torch.Generator().manual_seed(0)
    unseen = torch.zeros(len(cards), max(cards), dtype=torch.bool)
    net = FusedHeads(cards, unseen, n_inputs=n_inputs, embedding_dim=16, hidden=48, dropout=0.3, link_hidden=32)
    tokens = torch.stack([torch.randint(0, c, (BATCH,), generator=generator) for c in cards], dim=1)
    targets = target_columns(net, None)
    optimiser = torch.optim.AdamW(net.parameters(), lr=1e-3)

    def step() -> None:
        loss = net.nll(tokens, random_orders(BATCH, net, generator), targets)
        optimiser.zero_grad(set_to_none=True)
        loss.backward()
        optimiser.step()

    for _ in range(WARMUP):
        step()
    rounds = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        for _ in range(STEPS):
            step()
        rounds.append((time.perf_counter() - started) / STEPS * 1000)
    blocks = getattr(net, "input_blocks", None)
    queue.put(
        {
            "dataset": dataset,
            "inputs": n_inputs,
            "links": len(cards) - n_inputs,
            "input_tokens": sum(cards[:n_inputs]),
            "table_rows": len(blocks.embedding_rows) if blocks is not None else "",
            "rows_padded_to_widest": n_inputs * max(cards[:n_inputs]),
            "threads": threads,
            "step_ms": round(statistics.median(rounds), 1),
        }
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=list(DATASETS))
    parser.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--name", default="argn_step")
    args = parser.parse_args()
    runs = [(dataset, threads) for dataset in args.datasets for threads in args.threads]
    write_table(run_each(measure, runs), args.name)


if __name__ == "__main__":
    main()
