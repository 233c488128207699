package spindle.bench;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.mapred.AvroKey;
import org.apache.avro.mapreduce.AvroKeyInputFormat;
import org.apache.hadoop.io.NullWritable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaSparkContext;
import scala.Tuple2;

/**
 * The benchmark's workloads written against Spark's Java RDD API, as a performance-minded Spark user
 * would write them: the Spark-on-the-JVM peer of bench/jobs/*.py and bench/spindle/jobs.ts.
 * Compiled at bench time against the jars of the installed Spark (bench/peers/sparkjvm.ts) and run
 * with spark-submit in YARN cluster mode, so whatever is printed lands in the AM container's stdout.
 *
 *   trivial                              count a 10-element collection, print 10
 *   noop N                               N empty tasks after a 2-task warm-up, timed in the driver
 *   wordcount SRC DST                    flatMap / mapToPair / reduceByKey / saveAsTextFile
 *   sort SRC DST PARTITIONS              100-byte lines, 10-byte key: sortByKey into DST
 *   join LEFT RIGHT DST PARTITIONS       "key\tvalue" lines joined on key, "key\tv\tw" into DST
 *   avro SRC CATEGORY MIN_AMOUNT         records with category = CATEGORY and amount > MIN_AMOUNT, counted
 */
public final class SparkJvmBench {
  private static final Pattern WHITESPACE = Pattern.compile("\\s+");

  private SparkJvmBench() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) throw new IllegalArgumentException("usage: SparkJvmBench <workload> [args...]");
    try (JavaSparkContext sc = new JavaSparkContext(new SparkConf())) {
      switch (args[0]) {
        case "trivial" -> System.out.println(sc.parallelize(range(10)).count());
        case "noop" -> noop(sc, Integer.parseInt(args[1]));
        case "wordcount" -> sc.textFile(args[1])
            .flatMap(line -> Arrays.stream(WHITESPACE.split(line)).filter(w -> !w.isEmpty()).iterator())
            .mapToPair(w -> new Tuple2<>(w, 1))
            .reduceByKey(Integer::sum)
            .saveAsTextFile(args[2]);
        case "sort" -> sc.textFile(args[1])
            .mapToPair(line -> new Tuple2<>(line.substring(0, 10), line.substring(10)))
            .sortByKey(true, Integer.parseInt(args[3]))
            .map(kv -> kv._1() + kv._2())
            .saveAsTextFile(args[2]);
        case "join" -> {
          JavaPairRDD<String, String> left = sc.textFile(args[1]).mapToPair(SparkJvmBench::pair);
          JavaPairRDD<String, String> right = sc.textFile(args[2]).mapToPair(SparkJvmBench::pair);
          left.join(right, Integer.parseInt(args[4]))
              .map(kv -> kv._1() + "\t" + kv._2()._1() + "\t" + kv._2()._2())
              .saveAsTextFile(args[3]);
        }
        case "avro" -> avro(sc, args[1], args[2], Double.parseDouble(args[3]));
        default -> throw new IllegalArgumentException("unknown workload " + args[0]);
      }
    }
  }

  private static List<Integer> range(int n) {
    List<Integer> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) out.add(i);
    return out;
  }

  private static void noop(JavaSparkContext sc, int n) {
    sc.parallelize(range(2), 2).count();
    long start = System.nanoTime();
    sc.parallelize(range(n), n).foreach(x -> {});
    long ms = (System.nanoTime() - start) / 1_000_000;
    System.out.println("noop-tasks: " + n + " tasks in " + ms + " ms");
  }

  private static Tuple2<String, String> pair(String line) {
    int tab = line.indexOf('\t');
    return new Tuple2<>(line.substring(0, tab), line.substring(tab + 1));
  }

  @SuppressWarnings("unchecked")
  private static void avro(JavaSparkContext sc, String path, String category, double minAmount) {
    Class<AvroKeyInputFormat<GenericRecord>> format = (Class<AvroKeyInputFormat<GenericRecord>>) (Class<?>) AvroKeyInputFormat.class;
    Class<AvroKey<GenericRecord>> key = (Class<AvroKey<GenericRecord>>) (Class<?>) AvroKey.class;
    long n = sc.newAPIHadoopFile(path, format, key, NullWritable.class, sc.hadoopConfiguration())
        .filter(kv -> {
          GenericRecord r = kv._1().datum();
          return category.equals(r.get("category").toString()) && (Double) r.get("amount") > minAmount;
        })
        .count();
    System.out.println("avro-scan: " + n + " records");
  }
}
