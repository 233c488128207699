package spindle.bench;

import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.mapred.AvroKey;
import org.apache.spark.api.python.Converter;

/**
 * For the PySpark side of avro-scan: PySpark's RDD API reads Avro through Hadoop's AvroKeyInputFormat
 * only with a converter that turns each AvroKey into something Python can unpickle; this one gives a
 * dict of the record's fields (Avro strings as Python str). Shipped in the same jar as SparkJvmBench.
 */
public final class AvroToMap implements Converter<Object, Object> {
  private static final long serialVersionUID = 1L;

  @Override
  public Object convert(Object obj) {
    GenericRecord r = ((AvroKey<?>) obj).datum() instanceof GenericRecord g ? g : null;
    if (r == null) return null;
    Map<String, Object> out = new HashMap<>();
    for (Schema.Field f : r.getSchema().getFields()) {
      Object v = r.get(f.pos());
      out.put(f.name(), v instanceof CharSequence ? v.toString() : v);
    }
    return out;
  }
}
