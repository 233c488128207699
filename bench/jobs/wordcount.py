# wordcount, PySpark side: the RDD word count a user would write.
import sys

from pyspark import SparkContext

source, target = sys.argv[1], sys.argv[2]
sc = SparkContext()
(
    sc.textFile(source)
    .flatMap(lambda line: line.split())
    .map(lambda word: (word, 1))
    .reduceByKey(lambda a, b: a + b)
    .saveAsTextFile(target)
)
sc.stop()
