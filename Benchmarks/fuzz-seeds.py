#!/usr/bin/env python3
"""Writes the seed corpora in Tests/Fuzz/corpus/ (run once; the files are committed).

Each seed is in FuzzInput's format: a byte with the number of cut points, two bytes per
cut (little-endian), then the payload. Seeds are named by the hash of their bytes, as
libFuzzer names what it adds, so rerunning this adds nothing twice.
"""
import hashlib, os, struct, sys

root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fuzz", "corpus")

def encode(payload, cuts=()):
    if isinstance(payload, str):
        payload = payload.encode("utf-8")
    return bytes([len(cuts)]) + b"".join(struct.pack("<H", c) for c in cuts) + payload

def write(target, seeds):
    directory = os.path.join(root, target)
    os.makedirs(directory, exist_ok=True)
    for seed in seeds:
        name = hashlib.sha1(seed).hexdigest()
        with open(os.path.join(directory, name), "wb") as f:
            f.write(seed)

H = "Host: registry.example\r\n"
requests = [
    "GET / HTTP/1.1\r\n" + H + "\r\n",
    "GET /api/v1/projects?status=approved&q=a%20b&limit=50 HTTP/1.1\r\n" + H + "Accept: application/json\r\nAccept-Encoding: gzip\r\n\r\n",
    "HEAD /healthz HTTP/1.1\r\n" + H + "Connection: close\r\n\r\n",
    "GET / HTTP/1.0\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n",
    "POST /api/v1/projects HTTP/1.1\r\n" + H + "Content-Type: application/json\r\nContent-Length: 17\r\nAuthorization: Bearer abc\r\n\r\n{\"title\":\"x\",\"a\":1}",
    "POST /u HTTP/1.1\r\n" + H + "Content-Length: 3, 3\r\n\r\nabc",
    "POST /u HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n4;ext=1\r\nWiki\r\n5 ; n=\"q\\\" s\"\r\npedia\r\n0\r\nX-Sum: 9\r\n\r\n",
    "PUT /api/v1/projects/7 HTTP/1.1\r\n" + H + "Expect: 100-continue\r\nIf-Match: \"v3\"\r\nContent-Length: 2\r\n\r\n{}",
    "PATCH /api/v1/projects/7 HTTP/1.1\r\n" + H + "Content-Type: application/merge-patch+json\r\nContent-Length: 12\r\n\r\n{\"title\":\"\"}",
    "OPTIONS * HTTP/1.1\r\n" + H + "\r\n",
    "OPTIONS /api/v1/projects HTTP/1.1\r\n" + H + "\r\n",
    "CONNECT registry.example:443 HTTP/1.1\r\n" + H + "\r\n",
    "TRACE / HTTP/1.1\r\n" + H + "\r\n",
    "BREW /pot HTTP/1.1\r\n" + H + "\r\n",
    "GET http://registry.example/api/v1/projects?x=1 HTTP/1.1\r\n" + H + "\r\n",
    "GET https://registry.example HTTP/1.1\r\n" + H + "\r\n",
    "\r\n\r\nGET / HTTP/1.1\r\n" + H + "\r\n",
    "GET / HTTP/1.1\r\n" + H + "\r\nGET /a HTTP/1.1\r\n" + H + "\r\nPOST /b HTTP/1.1\r\n" + H + "Content-Length: 1\r\n\r\nx",
    "GET / HTTP/1.1\r\nHost: [::1]:8080\r\nRange: bytes=0-99,200-\r\nIf-None-Match: W/\"a\", \"b\"\r\n\r\n",
    "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
    "GET / HTTP/1.1\r\n\r\n",
    "GET / HTTP/2.0\r\n" + H + "\r\n",
    "GET / HTTP/1.1\r\n" + H + " folded\r\n\r\n",
    "GET / HTTP/1.1\n" + H + "\n",
    "GET / HTTP/1.1\r\n" + H + "Bad Name: x\r\n\r\n",
    "GET / HTTP/1.1\r\n" + H + "X: a\rb\r\n\r\n",
    "POST / HTTP/1.1\r\n" + H + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
    "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFF\r\n",
    "POST / HTTP/1.1\r\n" + H + "Content-Length: 99999999999999999999\r\n\r\n",
    "POST / HTTP/1.1\r\n" + H + "Content-Length: -1\r\n\r\n",
    "POST / HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\nContent-Length: 3\r\n\r\n",
    "GET /" + "a" * 300 + " HTTP/1.1\r\n" + H + "\r\n",
    "GET / HTTP/1.1\r\n" + H + "".join("X-%d: v\r\n" % i for i in range(20)) + "\r\n",
    "GET /caf\xc3\xa9 HTTP/1.1\r\n" + H + "\r\n",
]
http_seeds = []
for request in requests:
    data = request.encode("latin-1")
    http_seeds.append(encode(data))
    http_seeds.append(encode(data, [len(data) // 2]))
    http_seeds.append(encode(data, [1, data.find(b"\r\n") + 1, len(data) - 1]))
write("http-parser", http_seeds)

documents = [
    '{}', '[]', 'null', 'true', 'false', '0', '-0', '12500000.50', '-3e2', '1E+400', '0.1e-7',
    '"text"', '"\\u00e9\\ud83d\\ude00\\n\\t\\"\\\\\\/"', '"caf\u00e9"', '"\\u0000"',
    '{"a":1,"b":[true,false,null],"c":{"d":"e"}}', '[[[[[[[[[[]]]]]]]]]]', '{"a":{"b":{"c":{"d":{}}}}}',
    ' \t\r\n{ "spaced" : [ 1 , 2 ] } ', '{"a":1,"a":2}', '[1,]', '{"a":1,}', '01', '1.', '.5', '"\\ud800"', '"\\x"',
    '{"external_id":"DIGI-1","whole_life_cost":"12500000.50","milestones":[{"name":"m","baseline_date":"2026-01-01"}]}',
]
write("json", [encode(d) for d in documents])

patches = [
    '{}', '{"title":"New title"}', '{"title":null}', '{"owner":{"email":null}}', '{"owner":{"name":"B"}}', '{"owner":null}',
    '{"whole_life_cost":"99999999999999.99"}', '{"whole_life_cost":-1}', '{"risk_rating":6}', '{"risk_rating":"3"}',
    '{"start_date":"2028-01-01"}', '{"planned_end_date":"2026-02-30"}', '{"systems":["A","B","A"]}', '{"systems":null}',
    '{"milestones":[]}', '{"milestones":[{"name":"x"}]}', '{"status":"approved"}', '{"unknown":1}', '{"external_id":""}',
    '{"title":"<script>alert(1)</script>"}', '{"title":"\\u202eevil"}', '{"description":"\\u0000"}', '[1,2]', '"replace"', 'null',
    '{"roles":[{"name":"Lead","person":"P"}]}', '{"datasets":[1]}', '{"category":"' + "x" * 120 + '"}',
]
write("merge-patch", [encode(p) for p in patches])

header = ("id,agency,external_id,title,description,category,status,currency,whole_life_cost,spend_to_date,start_date,"
          "planned_end_date,forecast_end_date,risk_rating,owner_name,owner_role,owner_email,systems,datasets,delivery_confidence,"
          "cost_variance_original,cost_variance_percent_original,schedule_variance_days_original,cost_variance_current,"
          "cost_variance_percent_current,schedule_variance_days_current\r\n")
row = ('1,ABC,E-1,"Case, management","He said ""no""\r\nthen yes",Justice,proposed,EUR,12500000.50,100,2025-01-01,2027-06-30,'
       '2027-09-30,3,A. Owner,SRO,a@example.org,"CMS\nPortal",cases,amber,0,0.00,0,100,0.01,30\r\n')
minimal = "external_id,title,whole_life_cost,planned_end_date\r\n"
csvs = [
    header, header + row, header + row + row, header + row.replace("1,ABC", "2,XYZ"),
    minimal + "E-1,Title,1000,2027-01-01\r\n", minimal + "E-1,Title,1000,2027-01-01\nE-2,'=SUM(A1),5,2027-01-01\n",
    minimal + "E-1,Title,abc,2027-13-01\r\n\r\n", minimal + "E-1,Title\r\n", minimal + '"E-1,Title,1000,2027-01-01\r\n',
    minimal + 'E-1,Ti"tle,1000,2027-01-01\r\n', minimal + '"E-1"x,Title,1000,2027-01-01\r\n',
    "unknown\r\n", "", "\r\n", "a,b\r\n1,2", '"a\r\nb",c\r\n', "a,,b,\r\n,\r\n",
    minimal.replace("title", "title,title") + "E,T,T,1,2027-01-01\r\n",
]
write("csv", [encode(c) for c in csvs])
print("wrote seeds to", os.path.normpath(root))
