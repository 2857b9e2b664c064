#!/usr/bin/python3
"""The failover drill's report, from its directory: kills (when, which node) and the load
driver's record of every write. Can be run again on a kept drill directory.

Write recovery for a kill is the time from the kill until acknowledgements resume after the
longest pause in them before the next kill: writes already in flight may still be acknowledged
just after the kill command is issued, so the first acknowledgement after the kill says nothing.
"""
import json
import sys


def recovery(acks, at, until):
    times = sorted(acked for _, acked in acks if at <= acked < until)
    if not times:
        return None
    points = [at] + times
    gap_end = max(range(1, len(points)), key=lambda i: points[i] - points[i - 1])
    return round(points[gap_end] - at, 2)


def percentile(values, p):
    return values[min(len(values) - 1, int(round(p * (len(values) - 1))))] if values else None


def main(drill):
    load = json.load(open(f"{drill}/load.json"))
    kills = [line.split() for line in open(f"{drill}/kills")]
    starts = [float(at) for at, _, _ in kills] + [float("inf")]
    recoveries = [{"round": name, "node": node, "seconds": recovery(load["acks"], starts[i], starts[i + 1])}
                  for i, (_, name, node) in enumerate(kills)]
    leader_only = sorted(r["seconds"] for r in recoveries if r["seconds"] is not None and r["round"] != "zone")
    report = {"kills": len(kills), "writes": load["writes"], "acknowledged": load["acknowledged"],
              "lost": len(load["lost"]), "duplicated": len(load["duplicated"]),
              "recovery_p50_s": percentile(leader_only, 0.5), "recovery_p99_s": percentile(leader_only, 0.99),
              "recovery_max_s": leader_only[-1] if leader_only else None, "recoveries": recoveries}
    json.dump(report, open(f"{drill}/report.json", "w"), indent=2)
    zone = next((r["seconds"] for r in recoveries if r["round"] == "zone"), None)
    print(f"{report['kills']} kills, {report['writes']} writes, {report['acknowledged']} acknowledged, "
          f"{report['lost']} lost, {report['duplicated']} duplicated, write recovery after a leader kill "
          f"p50 {report['recovery_p50_s']} s, p99 {report['recovery_p99_s']} s, after the zone kill {zone} s")
    return 0 if report["lost"] == 0 and report["duplicated"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
