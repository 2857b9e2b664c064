-- GET of a fixed path (BENCH_PATH) with the API token, as the Intercom clients send it.
dofile("bench/wrk/report.lua")

wrk.method = "GET"
wrk.path = os.getenv("BENCH_PATH") or "/"
wrk.headers["Accept"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("BENCH_TOKEN") or "")
