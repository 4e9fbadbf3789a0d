"""Terraform's functions: results, type conversions, number formatting, errors, symbols."""

from __future__ import annotations

import pytest

from pytest_pfperms.sources.hcl.evaluation import DictScope, evaluate
from pytest_pfperms.sources.hcl.evaluation_errors import FunctionCallError
from pytest_pfperms.sources.hcl.functions.table import FUNCTIONS
from pytest_pfperms.sources.hcl.native_syntax import parse_expression
from pytest_pfperms.sources.hcl.values import TfSet, Value
from pytest_pfperms.values import Symbol

X = Symbol("var.x", reason="not set")
SCOPE = DictScope({"var": {"x": X, "m": {"a": 1}}})


def call(text: str) -> Value:
    return evaluate(parse_expression(text, "fn.tf", 4), SCOPE, path="fn.tf")


CASES: list[tuple[str, Value]] = [
    # collections
    ('concat(["a"], ["b", "c"], [])', ["a", "b", "c"]),
    ("merge({a = 1, b = 2}, {b = 3}, null, {c = {d = 4}})", {"a": 1, "b": 3, "c": {"d": 4}}),
    ('lookup({a = "x"}, "a")', "x"),
    ('lookup({a = "x"}, "b", "default")', "default"),
    ('lookup({n = 1}, "n", 2)', 1),
    ('element(["a", "b", "c"], 4)', "b"),
    ('element(["a", "b", "c"], -1)', "c"),
    ('length("héllo")', 5),
    ('length("e\u0301x")', 2),
    ("length({a = 1, b = 2})", 2),
    ('length(toset(["a", "a", "b"]))', 2),
    ("length([])", 0),
    ('keys({b = 1, a = 2, "c d" = 3})', ["a", "b", "c d"]),
    ("values({b = 1, a = 2})", [2, 1]),
    ('contains(["a", "b"], "b")', True),
    ('contains(toset(["a"]), "a")', True),
    ('contains(["1"], 1)', False),
    ('contains(["a", null], null)', True),
    ('distinct(["a", "b", "a", "c", "b"])', ["a", "b", "c"]),
    ('distinct([1, "1"])', ["1"]),
    ('flatten([["a", "b"], [], ["c"]])', ["a", "b", "c"]),
    ('flatten([[["a"]], "b", toset(["d", "c"])])', ["a", "b", "c", "d"]),
    ('compact(["a", "", null, "b"])', ["a", "b"]),
    ('coalesce("", "b")', "b"),
    ("coalesce(null, 2, 3)", 2),
    ('coalesce(1, "a")', "1"),
    ('coalescelist([], ["a"], ["b"])', ["a"]),
    ('toset(["b", "a", "b"])', TfSet(["a", "b"])),
    ("toset([3, 1, 2])", TfSet([1, 2, 3])),
    ('toset(["a", 1, true])', TfSet(["1", "a", "true"])),
    ('tolist(toset(["b", "a"]))', ["a", "b"]),
    ('tolist(["a", 1])', ["a", "1"]),
    ('tomap({a = "x", b = 1})', {"a": "x", "b": "1"}),
    ('setunion(["a", "b"], ["b", "c"])', TfSet(["a", "b", "c"])),
    ('setsubtract(["a", "b", "c"], ["a", "c"])', TfSet(["b"])),
    ('setintersection(["a", "b"], ["b", "c"], ["b"])', TfSet(["b"])),
    ('setproduct(["a", "b"], [1, 2])', [["a", 1], ["a", 2], ["b", 1], ["b", 2]]),
    ('zipmap(["a", "b"], [1, 2])', {"a": 1, "b": 2}),
    ('zipmap(["a", "a"], [1, 2])', {"a": 2}),
    ("range(3)", [0, 1, 2]),
    ("range(1, 4)", [1, 2, 3]),
    ("range(3, 0)", [3, 2, 1]),
    ("range(0, 1, 0.25)", [0, 0.25, 0.5, 0.75]),
    ("range(0)", []),
    ("range(-2)", [0, -1]),
    ("one([])", None),
    ('one(["a"])', "a"),
    ('one(toset(["x"]))', "x"),
    ("sum([1, 2, 3])", 6),
    ('sum(["1", 2.5])', 3.5),
    ("sum([0.1, 0.2])", 0.3),
    ("reverse([1, 2, 3])", [3, 2, 1]),
    ('reverse(toset(["b", "a"]))', ["b", "a"]),
    ('slice(["a", "b", "c", "d"], 1, 3)', ["b", "c"]),
    ("slice([1, 2], 2, 2)", []),
    ('chunklist(["a", "b", "c"], 2)', [["a", "b"], ["c"]]),
    ("chunklist([], 2)", []),
    ('chunklist(["a", "b"], 0)', [["a", "b"]]),
    ('index(["a", "b"], "b")', 1),
    ('alltrue(["true", true])', True),
    ("alltrue([true, false])", False),
    ("alltrue([])", True),
    ("anytrue([])", False),
    ("anytrue([false, true])", True),
    ('sort(["b", "a", "c"])', ["a", "b", "c"]),
    ("sort([10, 9, 100])", ["10", "100", "9"]),
    (
        'matchkeys(["i-1", "i-2", "i-3"], ["us-west", "us-east", "us-east"], ["us-east"])',
        ["i-2", "i-3"],
    ),
    ('transpose({a = ["1", "2"], b = ["2", "3"]})', {"1": ["a"], "2": ["a", "b"], "3": ["b"]}),
    ("nonsensitive(sensitive(1))", 1),
    # numbers
    ("min(3, 1.5, 2)", 1.5),
    ('max(1, "12", 3)', 12),
    ("abs(-1.5)", 1.5),
    ("abs(0)", 0),
    ("ceil(1.2)", 2),
    ("ceil(5)", 5),
    ("floor(-1.2)", -2),
    ("pow(3, 2)", 9),
    ("pow(4, 0.5)", 2),
    ("signum(-13)", -1),
    ("log(16, 2)", 4),
    ('parseint("100", 10)', 100),
    ('parseint("FF", 16)', 255),
    ('parseint("-10", 2)', -2),
    ('parseint("zz", 36)', 1295),
    # conversions and number formatting
    ("tostring(1.0)", "1"),
    ("tostring(1.5)", "1.5"),
    ("tostring(-0.5)", "-0.5"),
    ("tostring(1e21)", "1000000000000000000000"),
    ("tostring(0.000001)", "0.000001"),
    ("tostring(true)", "true"),
    ("tostring(null)", None),
    ('tostring("x")', "x"),
    ('tonumber("1.5")', 1.5),
    ('tonumber("10")', 10),
    ("tonumber(null)", None),
    ('tobool("true")', True),
    ("tobool(false)", False),
    ("tobool(null)", None),
    # strings
    ('format("%d|%5d|%-5d|%05d|%+d", 42, 1, 2, 3, 4)', "42|    1|2    |00003|+4"),
    ('format("%x %X %o %b %#x", 255, 255, 8, 5, 255)', "ff FF 10 101 0xff"),
    ('format("%.2f|%f|%8.3f", 3.14159, 1.5, -2.5)', "3.14|1.500000|  -2.500"),
    ('format("%e|%.2E", 1500, 0.000123)', "1.500000e+03|1.23E-04"),
    ('format("%g|%g|%g|%g|%.3g", 0.00001, 100000, 1000000, 1.5, 1234.5)', "1e-05|100000|1e+06|1.5|1.23e+03"),
    ('format("%v|%v|%v|%v", "s", 1.0, true, null)', "s|1|true|null"),
    ('format("%v|%#v|%#v", [1, "a"], "x", {b = 1, a = 2})', '[1,"a"]|"x"|{"a":2,"b":1}'),
    ('format("%s|%s|%t|%q", true, 12, "true", "a\\"b")', 'true|12|true|"a\\"b"'),
    ('format("%%|%.3s|%5s|%-3s|", "abcdef", "x", "y")', "%|abc|    x|y  |"),
    ('format("%[2]s %[1]s %s", "a", "b")', "b a b"),
    ('format("%s and %s", "a", "b")', "a and b"),
    ('formatlist("%s-%s", ["a", "b"], "x")', ["a-x", "b-x"]),
    ('formatlist("%s=%d", ["a", "b"], [1, 2])', ["a=1", "b=2"]),
    ('formatlist("%s", [])', []),
    ('join(", ", ["a", "b"], ["c"])', "a, b, c"),
    ('join("-", [])', ""),
    ('join("-", [1, true])', "1-true"),
    ('split(",", "a,b,,c")', ["a", "b", "", "c"]),
    ('split(",", "")', [""]),
    ('split("", "abc")', ["a", "b", "c"]),
    ('replace("aaa", "a", "b")', "bbb"),
    ('replace("hello", "/l+/", "L")', "heLo"),
    ('replace("abc", "/(?P<x>b)/", "[$x][$${x}]")', "a[b][b]c"),
    ('replace("abc", "/(b)/", "$1x|$${1}x|$$")', "a|bx|$c"),  # $1x names group "1x"
    ('replace("abxd", "/x*/", "-")', "-a-b-d-"),
    ('replace("a.b", ".", "-")', "a-b"),
    ('replace("2024-01-02", "/^(\\\\d+)-(\\\\d+)-(\\\\d+)$/", "$3/$2/$1")', "02/01/2024"),
    ('lower("HELLO Ünï")', "hello ünï"),
    ('upper("straße")', "STRAßE"),
    ('title("hello world-wide o\'neil foo_bar")', "Hello World-Wide O'Neil Foo_bar"),
    ('trimprefix("helloworld", "hello")', "world"),
    ('trimprefix("helloworld", "cat")', "helloworld"),
    ('trimsuffix("helloworld", "world")', "hello"),
    ('trimspace("  \\t x y \\n")', "x y"),
    ('trim("?!hello?!", "!?")', "hello"),
    ('substr("hello world", 1, 4)', "ello"),
    ('substr("hello", -3, 3)', "llo"),
    ('substr("hello", 1, -1)', "ello"),
    ('substr("hello", 10, 2)', ""),
    ('substr("hello", 1, 0)', ""),
    ('substr("hello", -3, 0)', "llo"),
    ('substr("héllo", 0, 2)', "hé"),
    ('startswith("hello", "he")', True),
    ('endswith("hello", "lo")', True),
    ('strcontains("hello", "ell")', True),
    ('strcontains("hello", "x")', False),
    ('regex("[a-z]+", "53453453.345345aaabbbccc23454")', "aaabbbccc"),
    ('regex("(\\\\d\\\\d\\\\d\\\\d)-(\\\\d\\\\d)-(\\\\d\\\\d)", "2019-02-01")', ["2019", "02", "01"]),
    (
        'regex("^(?:(?P<scheme>[^:/?#]+):)?(?://(?P<authority>[^/?#]*))?", "https://terraform.io/docs/")',
        {"authority": "terraform.io", "scheme": "https"},
    ),
    ('regex("(a)|(b)", "b")', [None, "b"]),
    ('regex("[[:upper:]]+", "abcDEFg")', "DEF"),
    ('regex("(?i)abc", "xABCx")', "ABC"),
    ('regex("(?U)a+", "aaa")', "a"),  # Go's ungreedy flag
    ('regex("\\\\pL+", "1héllo2")', "héllo"),  # Unicode classes, positions in characters
    ('regexall("", "é!")', ["", "", ""]),  # empty matches step over whole characters
    ('replace("héllo wörld", "/(ö)/", "[$1]")', "héllo w[ö]rld"),
    ('regex("(?<word>[a-z]+)", "12ab")', {"word": "ab"}),  # Go 1.22 named groups
    ('regexall("[a-z]+", "1234abcd5678efgh9")', ["abcd", "efgh"]),
    ('regexall("x", "abc")', []),
    ('regexall("(\\\\w)=(\\\\d)", "a=1 b=2")', [["a", "1"], ["b", "2"]]),
    ('indent(2, "a\\nb")', "a\n  b"),
    ('chomp("hello\\r\\n\\n")', "hello"),
    ('strrev("héllo")', "olléh"),
    # encodings and hashes
    (
        'jsonencode({b = 1, a = [true, null, "<&>"], c = 1.5e3, d = 0.5})',
        '{"a":[true,null,"\\u003c\\u0026\\u003e"],"b":1,"c":1500,"d":0.5}',
    ),
    ('jsonencode("\\u2028")', '"\\u2028"'),
    ('jsonencode(toset(["b", "a"]))', '["a","b"]'),
    ("jsonencode(null)", "null"),
    ('jsondecode("{\\"hello\\": \\"world\\", \\"n\\": 1.0}")', {"hello": "world", "n": 1}),
    ('jsondecode("true")', True),
    ('yamlencode({a = "b", c = "d"})', '"a": "b"\n"c": "d"\n'),
    ('yamlencode({foo = [1, 2, 3], bar = "baz"})', '"bar": "baz"\n"foo":\n- 1\n- 2\n- 3\n'),
    (
        'yamlencode({foo = [1, {a = "b", c = "d"}, 3], bar = "baz"})',
        '"bar": "baz"\n"foo":\n- 1\n- "a": "b"\n  "c": "d"\n- 3\n',
    ),
    (
        "yamlencode({a = [], b = {}, c = null, d = true, e = 1.5})",
        '"a": []\n"b": {}\n"c": null\n"d": true\n"e": 1.5\n',
    ),
    ('yamlencode("line1\\nline2\\n")', "|\n  line1\n  line2\n"),
    ('yamldecode("hello: world")', {"hello": "world"}),
    ('yamldecode("true")', True),
    ('yamldecode("{a: &foo [1, 2, 3], b: *foo}")', {"a": [1, 2, 3], "b": [1, 2, 3]}),
    (
        'yamldecode("a: yes\\nb: Off\\nc: ~\\nd: 0x1F\\ne: 0o17\\nf: 1.50\\ng: \\"yes\\"\\nh: 2001-12-14\\n1: x\\n")',
        {
            "1": "x",
            "a": True,
            "b": False,
            "c": None,
            "d": 31,
            "e": 15,
            "f": 1.5,
            "g": "yes",
            "h": "2001-12-14T00:00:00Z",
        },
    ),
    (
        'yamldecode("base: &b {x: 1, z: 2}\\nobj:\\n  <<: *b\\n  z: 3\\n")',
        {"base": {"x": 1, "z": 2}, "obj": {"x": 1, "z": 3}},
    ),
    ('yamldecode("y: 1\\nn: 2\\n")', {"false": 2, "true": 1}),  # YAML 1.1 keys, as go-cty-yaml
    ('yamldecode("a: !!str 123")', {"a": "123"}),
    ('base64encode("Hello World")', "SGVsbG8gV29ybGQ="),
    ('base64decode("SGVsbG8gV29ybGQ=")', "Hello World"),
    ('md5("hello world")', "5eb63bbbe01eeed093cb22bb8f5acdc3"),
    ('sha1("hello world")', "2aae6c35c94fcfb415dbe95f408b9ce91ee846ed"),
    ('sha256("hello world")', "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"),
    ('base64sha256("hello world")', "uU0nuZNNPgilLlLX2n2r+sSE7+N6U4DukIj3rOLvzek="),
    ('urlencode("Hello World!")', "Hello+World%21"),
    ('uuidv5("dns", "www.terraform.io")', "a5008fae-b28c-5ba5-96cd-82b4c53552d6"),
    # network and paths
    ('cidrhost("10.12.112.0/20", 16)', "10.12.112.16"),
    ('cidrhost("10.12.112.0/20", 268)', "10.12.113.12"),
    ('cidrhost("10.12.112.0/20", -1)', "10.12.127.255"),
    ('cidrnetmask("172.16.0.0/12")', "255.240.0.0"),
    ('cidrsubnet("172.16.0.0/12", 4, 2)', "172.18.0.0/16"),
    ('cidrsubnet("10.1.2.0/24", 4, 15)', "10.1.2.240/28"),
    ('dirname("foo/bar/baz.txt")', "foo/bar"),
    ('dirname("baz.txt")', "."),
    ('basename("foo/bar/baz.txt")', "baz.txt"),
    ('basename("foo/bar/")', "bar"),
    # lazy ones
    ('try(var.m.z, "d")', "d"),
    ("can(var.m.a)", True),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_function_results(text: str, expected: Value) -> None:
    result = call(text)
    assert result == expected
    assert type(result) is type(expected)


ERRORS: list[tuple[str, str]] = [
    ("concat()", "at least one argument is required"),
    ('concat(["a"], "b")', "all arguments must be lists or tuples; got string"),
    ('concat(toset(["a"]))', "all arguments must be lists or tuples; got set"),
    ('merge("x")', 'arguments must be maps or objects, got "string"'),
    ('lookup({a = "x"}, "b")', 'lookup failed to find key "b"'),
    ('lookup(["a"], "b")', "lookup() requires a map as the first argument"),
    ("element([], 0)", "cannot use element function with an empty list"),
    ('element(["a"], 1.5)', "invalid index: value must be a whole number"),
    ("length(5)", "argument must be a string, a collection type, or a structural type"),
    ('keys(["a"])', "must have map or object type"),
    ('flatten("x")', "can only flatten lists, sets and tuples"),
    ("coalesce(null)", "no non-null, non-empty-string arguments"),
    ('coalesce(1, ["a"])', "all arguments must have the same type"),
    ("coalescelist([], null)", "no non-null arguments"),
    ('zipmap(["a"], [1, 2])', "number of keys (1) does not match number of values (2)"),
    ("range(0, 5, -1)", "end must be less than start when step is negative"),
    ("range(0, 1, 0)", "step must not be zero"),
    ("range(2000)", "more than 1024 values were generated"),
    ("one([1, 2])", "must be a list, set, or tuple value with either zero or one elements"),
    ("sum([])", "cannot sum an empty list"),
    ('sum(["a"])', "argument must be list, set, or tuple of number values"),
    ("slice([1], 2, 3)", "start index must not be greater than the length of the list"),
    ("slice([1, 2], 2, 1)", "start index must not be greater than end index"),
    ('slice(toset(["a"]), 0, 1)', "cannot slice a set"),
    ("chunklist([1], -1)", "the size argument must be positive"),
    ('index(["a"], "z")', "item not found"),
    ("index([], 1)", "cannot search an empty list"),
    ('sort(["a", null])', "given list element 1 is null; a null string cannot be sorted"),
    ("min()", "must pass at least one number"),
    ('parseint("12", 2)', 'cannot parse "12" as a base 2 integer'),
    ('parseint("1", 99)', "base must be a whole number between 2 and 62 inclusive"),
    ("tostring([1])", 'Invalid value for "v" parameter: cannot convert tuple to string'),
    ('tonumber("x")', 'Invalid value for "v" parameter: cannot convert "x" to number'),
    ('tobool("yes")', 'Invalid value for "v" parameter: cannot convert "yes" to bool'),
    ('tomap(["a"])', "cannot convert tuple to map of any single type"),
    ('format("%d", 1.5)', 'unsupported value for "%d" at 0: an integer is required'),
    ('format("%s")', 'not enough arguments for "%s" at 0: need index 1 but have 0 total'),
    ('format("x", 1)', "too many arguments; no verbs in format string"),
    ('format("%s", 1, 2)', "too many arguments; only 1 used by format string"),
    ('format("%z", 1)', "unsupported format verb 'z'"),
    ('format("%d", null)', "null value cannot be formatted"),
    ('format("%d", "x")', "a number is required"),
    (
        'formatlist("%s%s", ["a"], ["b", "c"])',
        "argument 2 has length 2, which is inconsistent with argument 1 of length 1",
    ),
    ('join("-", ["a", null])', "element 1 is null; cannot concatenate null values"),
    ('regex("x", "abc")', "pattern did not match any part of the given string"),
    ('regex("(", "a")', "error parsing regexp"),
    ('regex("(?P<a>x)(y)", "xy")', "named and unnamed capture groups cannot be mixed"),
    ('regex("(a)\\\\1", "aa")', "invalid escape sequence"),
    ('regex("(?=a)", "a")', "invalid or unsupported Perl syntax"),
    ('replace("a", "/(/", "b")', "error parsing regexp"),
    ('jsondecode("{")', 'Call to function "jsondecode" failed'),
    ('yamldecode("a: [")', 'Call to function "yamldecode" failed'),
    ('yamldecode("---\\na: 1\\n---\\nb: 2\\n")', "only a single document is allowed"),
    ('yamldecode("")', "missing start of document"),
    ('yamldecode("a: .nan")', "floating point NaN is not supported"),
    ('yamldecode("a: !custom x")', 'unsupported tag "!custom"'),
    ('base64decode("!!!")', "failed to decode base64 data"),
    ('base64decode("/w==")', "the result of decoding the provided string is not valid UTF-8"),
    ('cidrsubnet("10.0.0.0/30", 4, 1)', "insufficient address space to extend prefix of 30 by 4"),
    ('cidrhost("10.0.0.0/30", 4)', "prefix of 30 does not accommodate a host numbered 4"),
    ('cidrhost("nonsense", 1)', "invalid CIDR expression"),
    (
        "upper()",
        'Not enough function arguments: Function "upper" expects 1 argument(s). Missing value for "str".',
    ),
    ('upper("a", "b")', 'Too many function arguments: Function "upper" expects only 1 argument(s).'),
    ("upper(null)", 'Invalid value for "str" parameter: argument must not be null.'),
    ("upper([1])", 'Invalid value for "str" parameter: string required, but have tuple.'),
    ('abs("x")', 'Invalid value for "num" parameter: a number is required.'),
    ("sort([[1]])", 'Invalid value for "list" parameter: list of string required.'),
]


@pytest.mark.parametrize(("text", "message"), ERRORS)
def test_function_errors_name_the_call_site(text: str, message: str) -> None:
    with pytest.raises(FunctionCallError) as caught:
        call(text)
    error = caught.value
    assert (error.file, error.line) == ("fn.tf", 4)
    assert message in str(error)
    assert error.function == text.split("(", 1)[0]


def test_error_messages_read_like_terraform() -> None:
    with pytest.raises(FunctionCallError) as caught:
        call("element([], 0)")
    assert str(caught.value) == (
        'fn.tf:4: Error in function call: Call to function "element" failed:'
        " cannot use element function with an empty list."
    )


def test_long_yaml_strings_fold_like_libyaml_and_round_trip() -> None:
    text = "word " * 30
    encoded = call(f'yamlencode({{a = "{text}"}})')
    assert isinstance(encoded, str)
    first, second = encoded.splitlines()
    assert first.startswith('"a": "word') and not first.endswith("\\")  # libyaml folds at a space
    assert second.startswith("  word") and len(first) <= 80 + len("word ")
    assert call(f"yamldecode({_hcl_string(encoded)})") == {"a": text}


def _hcl_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def test_yaml_round_trip_of_a_manifest() -> None:
    manifest = (
        '{apiVersion = "rbac.authorization.k8s.io/v1", kind = "Role",'
        ' metadata = {name = "r", labels = {"a.b/c" = "d"}},'
        ' rules = [{apiGroups = [""], resources = ["pods"], verbs = ["get", "list"]}]}'
    )
    assert call(f"yamldecode(yamlencode({manifest}))") == call(manifest)
    assert call(f"jsondecode(jsonencode({manifest}))") == call(manifest)


def test_symbols_make_only_dependent_results_unknown() -> None:
    assert isinstance(call("upper(var.x)"), Symbol)
    assert call('length(["a", var.x])') == 2
    assert call('concat([var.x], ["b"])') == [X, "b"]
    assert isinstance(call("concat(var.x, [1])"), Symbol)
    assert call("keys({a = var.x})") == ["a"]
    assert call("values({a = var.x})") == [X]
    assert call('lookup({a = var.x, b = 1}, "b")') == 1
    assert call('element([var.x, "b"], 1)') == "b"
    assert call('contains([var.x, "a"], "a")') is True
    assert isinstance(call('contains([var.x], "a")'), Symbol)
    assert call("alltrue([var.x, false])") is False
    assert call("anytrue([var.x, true])") is True
    assert call('coalesce("a", var.x)') == "a"
    assert call("one([var.x])") is X
    assert call("reverse([var.x, 1])") == [1, X]
    assert call("slice([var.x, 1, 2], 1, 3)") == [1, 2]
    assert call("merge({a = var.x}, {b = 1})") == {"a": X, "b": 1}
    assert isinstance(call("merge(var.x, {b = 1})"), Symbol)
    assert call("tostring(var.x)") is X
    assert call("nonsensitive(var.x)") is X
    assert isinstance(call('toset(["a", var.x])'), TfSet)
    assert isinstance(call('length(toset(["a", var.x]))'), Symbol)
    assert isinstance(call('distinct(["a", var.x])'), Symbol)
    assert isinstance(call("jsonencode({a = var.x})"), Symbol)
    assert isinstance(call("yamlencode({a = var.x})"), Symbol)
    joined = call('join("/", ["ns", var.x])')
    assert isinstance(joined, Symbol) and joined.key == '"ns/${var.x}"'
    formatted = call('format("%s/%s", "ns", var.x)')
    assert formatted == joined
    assert isinstance(call('format("%d", var.x)'), Symbol)


def test_impure_functions_are_unknown_and_never_equal_across_call_sites() -> None:
    first = evaluate(parse_expression("uuid()", "a.tf", 1), SCOPE, path="a.tf")
    second = evaluate(parse_expression("uuid()", "a.tf", 2), SCOPE, path="a.tf")
    assert isinstance(first, Symbol) and isinstance(second, Symbol)
    assert first != second
    assert "random" in first.reason
    assert isinstance(call("timestamp()"), Symbol)


def test_the_required_function_table() -> None:
    required = [
        "concat",
        "merge",
        "lookup",
        "element",
        "length",
        "keys",
        "values",
        "contains",
        "distinct",
        "flatten",
        "compact",
        "coalesce",
        "coalescelist",
        "toset",
        "tolist",
        "tomap",
        "tostring",
        "tonumber",
        "tobool",
        "format",
        "formatlist",
        "join",
        "split",
        "replace",
        "lower",
        "upper",
        "title",
        "trimprefix",
        "trimsuffix",
        "trimspace",
        "trim",
        "substr",
        "startswith",
        "endswith",
        "strcontains",
        "regex",
        "regexall",
        "setunion",
        "setsubtract",
        "setintersection",
        "zipmap",
        "range",
        "min",
        "max",
        "abs",
        "ceil",
        "floor",
        "jsonencode",
        "jsondecode",
        "yamlencode",
        "yamldecode",
        "base64encode",
        "base64decode",
        "md5",
        "sha1",
        "sha256",
        "try",
        "can",
        "one",
        "sum",
        "reverse",
        "slice",
        "chunklist",
        "index",
        "alltrue",
        "anytrue",
        "sort",
        "matchkeys",
        "transpose",
        "nonsensitive",
        "sensitive",
        "file",
        "fileexists",
        "templatefile",
    ]
    assert sorted(set(required) - set(FUNCTIONS)) == []
