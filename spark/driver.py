"""
The PySpark driver of the Spark SqlEngine (src/adapters/engine/spark-engine.ts).

Run by spark-submit with one argument, the path of a job plan (JSON, written by the adapter):

    spark-submit [...] spark/driver.py /tmp/.../plan.json

The plan names inputs (registered as temp views), SQL statements (run in order), outputs (written
as ONE file each, like the DuckDB engine writes them) or, for a query, the SQL whose rows are
wanted. Whatever happens, the driver writes a result file (the plan's `resultPath`, a local path)
that the adapter reads back: row counts, query rows, or the failure as one line. Credentials never
travel in the plan: S3 keys come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
AWS_SESSION_TOKEN) that the adapter gives spark-submit.

Only pyspark and the standard library: the driver runs on whatever Python spark-submit finds.
"""

import base64
import datetime
import decimal
import json
import math
import os
import shutil
import sys
import traceback
import uuid

PLAN_VERSION = 1
MAX_SAFE_INTEGER = 2**53 - 1


def log(message):
    # One prefix for our own lines, so the adapter can tell them from Spark's log.
    print(f"returns-driver: {message}", file=sys.stdout, flush=True)


def write_result(path, payload):
    staging = f"{path}.tmp"
    with open(staging, "w", encoding="utf-8") as out:
        json.dump(payload, out, allow_nan=False)
    os.replace(staging, path)


# --- errors -------------------------------------------------------------------------------------


class PlanError(Exception):
    """The plan itself is wrong (a bug in the adapter, or a hand-written plan)."""


def one_line(text, limit=1500):
    """The first non-empty line of a message, whitespace collapsed: no plans, no stack traces."""
    for line in str(text).splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def describe_failure(err):
    """(exception class, one-line message) of what went wrong, as Spark says it."""
    java_exception = getattr(err, "java_exception", None)
    if java_exception is not None:
        # A Java exception pyspark did not convert (a failed read, a failed task). The chain of
        # causes tells the story, e.g. FAILED_READ_FILE (which file) <- MALFORMED_RECORD (which
        # record) <- NumberFormatException (which value): keep the first line of each, minus the
        # "Job aborted due to stage failure" wrappers that only repeat their cause.
        chain = []
        cause, seen = java_exception, 0
        while cause is not None and seen < 10:
            chain.append((cause.getClass().getSimpleName(), one_line(cause.getMessage() or "", 600)))
            following = cause.getCause()
            cause, seen = (None if following is None or following == cause else following), seen + 1
        kept = [c for c in chain if not c[1].startswith("Job aborted due to stage failure")] or chain
        name, message = kept[0]
        for cause_name, cause_message in kept[1:3]:
            message += f"; caused by {cause_name}: {cause_message}"
        return name, one_line(message)
    # pyspark's CapturedException subclasses (AnalysisException, ParseException,
    # ArithmeticException, ...) carry Spark's message; str() may append a JVM trace after a
    # blank line, and one_line keeps only the first line.
    name = type(err).__name__
    message = err.getMessage() if hasattr(err, "getMessage") else str(err)
    return name, one_line(message) or name


# --- plan helpers -------------------------------------------------------------------------------


def quote_identifier(name):
    return "`" + name.replace("`", "``") + "`"


def schema_ddl(columns):
    if not columns:
        raise PlanError("a CSV input needs its column types")
    return ", ".join(f"{quote_identifier(name)} {sql_type}" for name, sql_type in columns)


def is_local(uri):
    return uri.startswith("file:")


def local_path(uri):
    # The adapter writes local locations as file:///absolute/path (percent-encoded).
    from urllib.parse import unquote, urlparse

    return unquote(urlparse(uri).path)


def staging_uri(target):
    """A hidden sibling folder of the target, unique per run: Spark writes its part files there."""
    folder, _, name = target.rpartition("/")
    return f"{folder}/.{name}.spark-{uuid.uuid4().hex[:12]}"


# --- reading ------------------------------------------------------------------------------------


def register_input(spark, item):
    name, fmt, uri = item["name"], item["format"], item["uri"]
    if fmt == "parquet":
        frame = spark.read.parquet(uri)
    elif fmt == "csv":
        # The same dialect DuckDB's read_csv is given: header row skipped, the declared types by
        # position, RFC 4180 quoting ("" inside quotes), quoted newlines allowed, and a value that
        # does not parse as its type fails the job (DuckDB errors too) instead of becoming NULL.
        frame = (
            spark.read.schema(schema_ddl(item.get("columns")))
            .option("header", "true")
            .option("enforceSchema", "true")
            .option("sep", ",")
            .option("quote", '"')
            .option("escape", '"')
            .option("multiLine", "true")
            .option("mode", "FAILFAST")
            .option("dateFormat", "yyyy-MM-dd")
            .csv(uri)
        )
    else:
        raise PlanError(f"input {name}: unknown format {fmt!r}")
    frame.createOrReplaceTempView(name)
    log(f"input {name} registered ({fmt})")


# --- writing ------------------------------------------------------------------------------------


def hadoop_fs(spark, uri):
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(uri)
    return jvm, path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration())


def write_output(spark, item):
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    table, fmt, target = item["table"], item["format"], item["uri"]
    order_by = item.get("orderBy")
    # One partition, then a sort inside it: one part file whose rows are in ORDER BY order. A
    # global ORDER BY followed by coalesce(1) may not keep the order (coalesce can group the
    # sorted partitions by locality), SORT BY over a single partition does.
    spark.table(table).coalesce(1).createOrReplaceTempView("__returns_output")
    frame = spark.sql("SELECT * FROM __returns_output" + (f" SORT BY {order_by}" if order_by else ""))
    observation = Observation(f"rows_{table}")
    frame = frame.observe(observation, F.count(F.lit(1)).alias("rows"))

    staging = staging_uri(target)
    writer = frame.write.mode("overwrite")
    if fmt == "parquet":
        writer.option("compression", "snappy").parquet(staging)
    elif fmt == "csv":
        # Header, RFC 4180 quoting ("" not \"), NULL as an empty field: what DuckDB's COPY writes.
        (
            writer.option("header", "true")
            .option("sep", ",")
            .option("quote", '"')
            .option("escape", '"')
            .option("nullValue", "")
            .option("dateFormat", "yyyy-MM-dd")
            .option("timestampFormat", "yyyy-MM-dd HH:mm:ss.SSSSSS")
            .csv(staging)
        )
    else:
        raise PlanError(f"output {table}: unknown format {fmt!r}")
    rows = int(observation.get["rows"])
    if is_local(target):
        move_local(staging, target, fmt, frame.columns)
    else:
        move_remote(spark, staging, target, fmt, frame.columns)
    log(f"output {table}: {rows} rows written")
    return rows


def single_part(names, staging):
    parts = sorted(n for n in names if n.startswith("part-"))
    if len(parts) > 1:
        raise RuntimeError(f"expected one part file in {staging}, found {len(parts)}")
    return parts[0] if parts else None


def move_local(staging, target, fmt, columns):
    folder = local_path(staging)
    destination = local_path(target)
    try:
        part = single_part(os.listdir(folder), staging)
        if part is None:
            write_empty_local(destination, fmt, columns)
        else:
            os.replace(os.path.join(folder, part), destination)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def write_empty_local(destination, fmt, columns):
    # Spark writes no part file for an empty result in some plans; a CSV reader still wants the
    # header. (Parquet always gets a part file with the schema.)
    if fmt != "csv":
        raise RuntimeError(f"Spark wrote no part file for {destination}")
    import csv

    with open(destination, "w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerow(columns)


def move_remote(spark, staging, target, fmt, columns):
    # s3a:// (or any Hadoop file system): the part file is renamed onto the target key through the
    # Hadoop FileSystem API of the driver's JVM. On S3 a rename is a copy and a delete; the target
    # is replaced, so a reader may briefly see no object there, never half an object.
    jvm, fs = hadoop_fs(spark, staging)
    staging_path = jvm.org.apache.hadoop.fs.Path(staging)
    target_path = jvm.org.apache.hadoop.fs.Path(target)
    try:
        names = [status.getPath().getName() for status in fs.listStatus(staging_path)]
        part = single_part(names, staging)
        if part is None:
            if fmt != "csv":
                raise RuntimeError(f"Spark wrote no part file for {target}")
            stream = fs.create(target_path, True)
            try:
                header = ",".join(csv_field(c) for c in columns) + "\n"
                stream.write(bytearray(header.encode("utf-8")))
            finally:
                stream.close()
            return
        if fs.exists(target_path):
            fs.delete(target_path, False)
        if not fs.rename(jvm.org.apache.hadoop.fs.Path(staging_path, part), target_path):
            raise RuntimeError(f"could not move the part file of {staging} to {target}")
    finally:
        fs.delete(staging_path, True)


def csv_field(text):
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text


# --- query results ------------------------------------------------------------------------------


def plain_value(value):
    """JSON for one value; the adapter turns the tagged forms back into JS values."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        # Past 2^53 a JSON number loses digits; the adapter makes a BigInt of it.
        return value if abs(value) <= MAX_SAFE_INTEGER else {"$bigint": str(value)}
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$double": repr(value)}
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, datetime.datetime):
        # The driver runs with TZ=UTC and spark.sql.session.timeZone=UTC, so naive = UTC.
        if value.tzinfo is not None:
            value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        return {"$timestamp": value.isoformat(timespec="microseconds") + "Z"}
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, (bytes, bytearray)):
        return {"$binary": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, dict):
        return {str(k): plain_value(v) for k, v in value.items()}
    if hasattr(value, "asDict"):
        return {k: plain_value(v) for k, v in value.asDict().items()}
    if isinstance(value, (list, tuple)):
        return [plain_value(v) for v in value]
    return str(value)


def run_query(spark, sql):
    frame = spark.sql(sql)
    columns = frame.columns
    rows = [[plain_value(value) for value in row] for row in frame.collect()]
    return {"columns": columns, "rows": rows}


# --- session ------------------------------------------------------------------------------------


def s3a_settings(s3):
    """Hadoop settings for s3a:// from the plan's S3 part (no secrets) and the environment."""
    conf = {}
    if s3 is None:
        return conf
    endpoint = s3.get("endpoint")
    if endpoint:
        conf["fs.s3a.endpoint"] = endpoint
        conf["fs.s3a.connection.ssl.enabled"] = "true" if endpoint.startswith("https:") else "false"
    conf["fs.s3a.endpoint.region"] = s3.get("region") or "us-east-1"
    conf["fs.s3a.path.style.access"] = "true" if s3.get("pathStyle") else "false"
    if s3.get("maxAttempts"):
        conf["fs.s3a.attempts.maximum"] = str(s3["maxAttempts"])
    access_key = os.environ.get("AWS_ACCESS_KEY_ID")
    secret_key = os.environ.get("AWS_SECRET_ACCESS_KEY")
    token = os.environ.get("AWS_SESSION_TOKEN")
    if access_key and secret_key:
        # In the Hadoop configuration, which travels to the executors with each task (their
        # processes do not inherit this environment). Spark redacts these keys in its UI.
        conf["fs.s3a.access.key"] = access_key
        conf["fs.s3a.secret.key"] = secret_key
        if token:
            conf["fs.s3a.session.token"] = token
            conf["fs.s3a.aws.credentials.provider"] = "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider"
        else:
            conf["fs.s3a.aws.credentials.provider"] = "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider"
    return conf


def start_session(plan):
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName(plan.get("appName") or "returns-sql")
    for key, value in s3a_settings(plan.get("s3")).items():
        builder = builder.config(f"spark.hadoop.{key}", value)
    # No _SUCCESS marker: the staging folder is removed anyway, and S3 would get one more request.
    builder = builder.config("spark.hadoop.mapreduce.fileoutputcommitter.marksuccessfuljobs", "false")
    return builder.getOrCreate()


# --- main ---------------------------------------------------------------------------------------


def load_plan(path):
    with open(path, encoding="utf-8") as source:
        plan = json.load(source)
    if plan.get("version") != PLAN_VERSION:
        raise PlanError(f"plan version {plan.get('version')!r}, this driver reads version {PLAN_VERSION}")
    if plan.get("kind") not in ("job", "query"):
        raise PlanError(f"plan kind {plan.get('kind')!r} is neither 'job' nor 'query'")
    return plan


def main(argv):
    if len(argv) != 2:
        print("usage: driver.py PLAN_JSON", file=sys.stderr)
        return 2
    plan = load_plan(argv[1])
    result_path = plan["resultPath"]
    step = "starting Spark"
    spark = None
    try:
        spark = start_session(plan)
        log(f"Spark {spark.version} session started, master {spark.sparkContext.master}")
        step = "registering inputs"
        for item in plan.get("inputs", []):
            step = f"reading input {item['name']} from {item['uri']}"
            register_input(spark, item)
        if plan["kind"] == "query":
            step = f"running: {plan['query']}"
            write_result(result_path, {"ok": True, **run_query(spark, plan["query"])})
        else:
            for index, statement in enumerate(plan.get("statements", []), start=1):
                step = f"running statement {index}: {statement}"
                spark.sql(statement)
                log(f"statement {index} done")
            counts = {}
            for item in plan.get("outputs", []):
                step = f"writing output {item['table']} to {item['uri']}"
                counts[item["table"]] = write_output(spark, item)
            write_result(result_path, {"ok": True, "rowCounts": counts})
        return 0
    except Exception as err:  # noqa: BLE001 - every failure becomes the one-line result
        name, message = describe_failure(err)
        # The whole trace goes to the log (debug level on the adapter side), not to the error.
        traceback.print_exc(file=sys.stderr)
        write_result(result_path, {"ok": False, "errorClass": name, "message": message, "step": one_line(step, 300)})
        return 1
    finally:
        if spark is not None:
            spark.stop()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
