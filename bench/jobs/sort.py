# sort, PySpark side: 100-byte lines keyed by their first 10 bytes, sortByKey into HDFS.
import sys

from pyspark import SparkContext

source, target, partitions = sys.argv[1], sys.argv[2], int(sys.argv[3])
sc = SparkContext()
(
    sc.textFile(source)
    .map(lambda line: (line[:10], line[10:]))
    .sortByKey(True, partitions)
    .map(lambda kv: kv[0] + kv[1])
    .saveAsTextFile(target)
)
sc.stop()
