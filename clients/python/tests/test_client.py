"""The client and the reward functions against a real `verdict serve` (its
URL in VERDICT_TEST_URL, its token in VERDICT_TEST_TOKEN; the Rust test
crates/verdict/tests/python_client.rs starts it and runs this file)."""

import asyncio
import concurrent.futures
import json
import os
import unittest

from verdict_client import AsyncClient, Client, VerdictError
from verdict_client.rewards import compute_score, extract_code, trl_reward

URL = os.environ["VERDICT_TEST_URL"]
TOKEN = os.environ.get("VERDICT_TEST_TOKEN")
BUSY_URL = os.environ.get("VERDICT_TEST_BUSY_URL")
DEAD = "http://127.0.0.1:9"  # the discard port: nothing listens there

ADD = "def add(a, b):\n    return a + b\n"
WRONG = "def add(a, b):\n    return a - b\n"


class BlockingClient(unittest.TestCase):
    def setUp(self):
        self.client = Client(URL, token=TOKEN, timeout=60)

    def test_run(self):
        result = self.client.run("import sys\nprint(sys.stdin.read().upper())", stdin="abc")
        self.assertTrue(result.ok)
        self.assertEqual(result.stdout, "ABC\n")
        self.assertEqual(result.exit_code, 0)
        failed = self.client.run("raise SystemExit(3)")
        self.assertEqual((failed.status, failed.exit_code), ("runtime_error", 3))
        slow = self.client.run("while True: pass", limits={"time_ms": 200})
        self.assertEqual(slow.status, "time_limit")

    def test_judge_every_kind(self):
        calls = self.client.judge(ADD, entry_point="add", inputs=[[1, 2], [2, 2]], expected=[3, 4])
        self.assertTrue(calls.passed)
        wrong = self.client.judge(WRONG, entry_point="add", inputs=[[1, 2]], expected=[3], trace=True)
        self.assertFalse(wrong.passed)
        self.assertEqual(wrong.traces[0]["events"][-1]["value"], "-1")
        check = self.client.judge(ADD, test="def check(f):\n    assert f(2, 3) == 5\n", entry_point="add")
        self.assertTrue(check.passed)
        cases = self.client.judge("print(int(input()) * 2)", cases=[
            {"stdin": "2\n", "expected_stdout": "4\n"}, {"stdin": "3\n", "expected_stdout": "7\n"}])
        self.assertFalse(cases.passed)
        self.assertEqual(cases.fraction_passed, 0.5)

    def test_errors_name_the_field(self):
        with self.assertRaises(VerdictError) as caught:
            self.client.judge(ADD, entry_point="add", inputs=[[1]], expected=[])
        self.assertEqual((caught.exception.status, caught.exception.field), (400, "expected"))

    def test_token_is_required(self):
        if not TOKEN:
            self.skipTest("the server has no token")
        with self.assertRaises(VerdictError) as caught:
            Client(URL, retries=0).run("print(1)")
        self.assertEqual(caught.exception.status, 401)

    def test_evaluate_streams_rows_then_the_summary(self):
        samples = [{"task_id": "HumanEval/0", "completion": "    return False\n"},
                   {"task_id": "HumanEval/0", "completion": "    return True\n"}]
        lines = list(self.client.evaluate("humaneval", samples, k=[1]))
        self.assertEqual(sorted(line["index"] for line in lines[:-1]), [0, 1])
        self.assertIn("summary", lines[-1])

    def test_run_code(self):
        answer = self.client.run_code("print('hi')", language="python")
        self.assertEqual(answer["status"], "Success")
        self.assertEqual(answer["run_result"]["stdout"], "hi\n")

    def test_a_dead_server_is_skipped(self):
        client = Client([DEAD, URL], token=TOKEN, backoff=0.01)
        self.assertEqual(client.run("print(5)").stdout, "5\n")
        with self.assertRaises(VerdictError) as caught:
            Client(DEAD, retries=1, backoff=0.01).run("print(5)")
        self.assertEqual(caught.exception.code, "unreachable")

    def test_a_full_queue_is_retried_after_its_retry_after(self):
        if not BUSY_URL:
            self.skipTest("no server with a short queue")
        programs = ["import time\ntime.sleep(0.3)\nprint(%d)" % i for i in range(10)]
        patient = Client(BUSY_URL, token=TOKEN, retries=30, max_wait=2)
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            outs = list(pool.map(lambda p: patient.run(p).stdout, programs))
        self.assertEqual(outs, ["%d\n" % i for i in range(10)])
        impatient = Client(BUSY_URL, token=TOKEN, retries=0)
        with concurrent.futures.ThreadPoolExecutor(10) as pool:
            futures = [pool.submit(impatient.run, p + "\n# again") for p in programs]
            errors = [f.exception() for f in futures if f.exception() is not None]
        self.assertTrue(errors, "10 at once overflow 2 slots and a queue of 1")
        self.assertTrue(all(e.status == 429 for e in errors), errors)


class AsyncioClient(unittest.TestCase):
    def test_the_same_calls_awaited(self):
        async def go():
            client = AsyncClient([DEAD, URL], token=TOKEN, backoff=0.01)
            run = await client.run("print(40 + 2)")
            judged = await asyncio.gather(*[
                client.judge(ADD if i % 2 else WRONG, entry_point="add", inputs=[[1, 2]], expected=[3])
                for i in range(6)])
            rows = [line async for line in client.evaluate(
                "humaneval", [{"task_id": "HumanEval/0", "completion": "    return False\n"}], k=[1])]
            fusion = await client.run_code("print(7)")
            with self.assertRaises(VerdictError) as caught:
                await client.judge(ADD, entry_point="add", inputs=[[1]], expected=[])
            return run, judged, rows, fusion, caught.exception

        run, judged, rows, fusion, error = asyncio.run(go())
        self.assertEqual(run.stdout, "42\n")
        self.assertEqual([j.passed for j in judged], [False, True] * 3)
        self.assertEqual(rows[0]["index"], 0)
        self.assertIn("summary", rows[-1])
        self.assertEqual(fusion["run_result"]["stdout"], "7\n")
        self.assertEqual(error.field, "expected")


class Rewards(unittest.TestCase):
    def setUp(self):
        self.client = Client(URL, token=TOKEN)

    def test_extract_code(self):
        answer = "Here:\n```python\nx = 1\n```\nand\n```python\ndef add(a, b):\n    return a + b\n```\nthen\n```\nprint(1)\n```"
        self.assertEqual(extract_code(answer, "add"), "def add(a, b):\n    return a + b\n")
        self.assertEqual(extract_code(answer), "print(1)\n")
        self.assertEqual(extract_code("no fences"), "no fences")
        long = "```python\n" + "x = 1\n" * 200000 + "```"
        self.assertEqual(len(extract_code(long)), 6 * 200000)

    def test_verl_compute_score(self):
        stdio = json.dumps({"inputs": ["2\n", "3\n"], "outputs": ["4\n", "6\n"]})
        right = "```python\nprint(int(input()) * 2)\n```"
        half = "```python\nn = int(input())\nprint(4 if n == 2 else 0)\n```"
        self.assertEqual(compute_score("codecontests", right, stdio, client=self.client), 1.0)
        self.assertEqual(compute_score("codecontests", half, stdio, client=self.client), 0.0)
        self.assertEqual(compute_score("codecontests", half, stdio, client=self.client, continuous=True), 0.5)
        calls = {"fn_name": "add", "inputs": [[1, 2], [0, 0]], "outputs": [[3], [0]]}
        self.assertEqual(compute_score("apps", "```python\n" + ADD + "```", calls, client=self.client), 1.0)
        self.assertEqual(compute_score("apps", WRONG, calls, client=self.client, continuous=True), 0.5)
        check = {"test": "def check(f):\n    assert f(2, 3) == 5\n", "entry_point": "add"}
        self.assertEqual(compute_score("humaneval", ADD, check, client=self.client), 1.0)
        self.assertEqual(compute_score("humaneval", WRONG, check, client=self.client), 0.0)

    def test_trl_reward_funcs(self):
        reward = trl_reward(self.client, concurrency=4)
        truth = {"fn_name": "add", "inputs": [[1, 2]], "outputs": [3]}
        completions = ["```python\n" + ADD + "```", WRONG, [{"role": "assistant", "content": ADD}]]
        self.assertEqual(reward(completions, ground_truth=[truth] * 3), [1.0, 0.0, 1.0])
        with self.assertRaises(ValueError):
            reward(completions, ground_truth=[truth])


if __name__ == "__main__":
    unittest.main()
