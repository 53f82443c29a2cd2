-- wrk script for benchmarks/run.py.
--
--   wrk -t1 -c32 -d20s -s benchmarks/bench.lua http://127.0.0.1:8765 -- PATH HEADER CREDFILE
--
-- PATH     the request path (with query string); several separated by "|" are read in turn
-- HEADER   "X-Session-Token", "Cookie" (the file holds "sessionid=..." values) or "-" (none)
-- CREDFILE one credential per line; requests rotate through them, so the load comes from
--          many signed-in members rather than one session hammered 32 times at once
--
-- Counts every response that is not 2xx (wrk itself counts only status >= 400) and prints
-- one machine-readable line, "WRKJSON {...}", after wrk's own report.

local path, header, credfile = "/", "-", nil
local requests = {}
local n = 0
local i = 0

non2xx = 0
statuses = ""

function init(args)
   path = args[1] or "/"
   header = args[2] or "-"
   credfile = args[3]
   local creds = {}
   if header ~= "-" and credfile then
      for line in io.lines(credfile) do
         if line ~= "" then
            table.insert(creds, line)
         end
      end
   end
   for one in string.gmatch(path, "[^|]+") do
      if #creds == 0 then
         n = n + 1
         requests[n] = wrk.format("GET", one)
      else
         for _, line in ipairs(creds) do
            n = n + 1
            requests[n] = wrk.format("GET", one, { [header] = line })
         end
      end
   end
   i = math.random(n) - 1
end

function request()
   i = i % n + 1
   return requests[i]
end

local seen = {}

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
      if not seen[status] then
         seen[status] = true
         statuses = statuses .. status .. " "
      end
   end
end

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function done(summary, latency, requests)
   local bad = 0
   local codes = ""
   for _, thread in ipairs(threads) do
      bad = bad + (thread:get("non2xx") or 0)
      codes = codes .. (thread:get("statuses") or "")
   end
   local e = summary.errors
   io.write(string.format(
      'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "non2xx": %d, ' ..
      '"non2xx_statuses": "%s", "errors": {"connect": %d, "read": %d, "write": %d, ' ..
      '"status": %d, "timeout": %d}, "latency_us": {"mean": %.1f, "stdev": %.1f, ' ..
      '"p50": %d, "p90": %d, "p95": %d, "p99": %d, "p999": %d, "max": %d}}\n',
      summary.requests, summary.duration, summary.bytes, bad, codes,
      e.connect, e.read, e.write, e.status, e.timeout,
      latency.mean, latency.stdev,
      latency:percentile(50), latency:percentile(90), latency:percentile(95),
      latency:percentile(99), latency:percentile(99.9), latency.max))
end
