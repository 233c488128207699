# noop-tasks, PySpark side: N empty tasks on the executors, timed inside the driver after a small
# warm-up job (so that, as on the Spindle side, executor start-up is not part of the figure).
import sys
import time

from pyspark import SparkContext

n = int(sys.argv[1])
sc = SparkContext()
sc.parallelize(range(2), 2).count()
start = time.perf_counter()
sc.parallelize(range(n), n).foreach(lambda x: None)
ms = (time.perf_counter() - start) * 1000
print(f"noop-tasks: {n} tasks in {ms:.0f} ms", flush=True)
sc.stop()
