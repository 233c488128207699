# avro-scan, PySpark side: Avro records read with Hadoop's AvroKeyInputFormat (each record a dict,
# through the AvroToMap converter of the benchmark's jar, passed with --jars), filtered and counted.
import sys

from pyspark import SparkContext

source, category, min_amount = sys.argv[1], sys.argv[2], float(sys.argv[3])
sc = SparkContext()
n = (
    sc.newAPIHadoopFile(
        source,
        "org.apache.avro.mapreduce.AvroKeyInputFormat",
        "org.apache.avro.mapred.AvroKey",
        "org.apache.hadoop.io.NullWritable",
        keyConverter="spindle.bench.AvroToMap",
    )
    .filter(lambda kv: kv[0]["category"] == category and kv[0]["amount"] > min_amount)
    .count()
)
print(f"avro-scan: {n} records", flush=True)
sc.stop()
