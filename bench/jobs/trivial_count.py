# trivial-job, PySpark side: count a 10-element parallelized collection and print the result.
from pyspark import SparkContext

sc = SparkContext()
print(sc.parallelize(range(10)).count(), flush=True)
sc.stop()
