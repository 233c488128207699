# join, PySpark side: "key\tvalue" lines of two files joined on key, written as "key\tv\tw".
import sys

from pyspark import SparkContext


def pair(line):
    key, value = line.split("\t", 1)
    return (key, value)


left, right, target, partitions = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
sc = SparkContext()
(
    sc.textFile(left)
    .map(pair)
    .join(sc.textFile(right).map(pair), partitions)
    .map(lambda kv: f"{kv[0]}\t{kv[1][0]}\t{kv[1][1]}")
    .saveAsTextFile(target)
)
sc.stop()
