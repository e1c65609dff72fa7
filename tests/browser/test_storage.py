"""The world kept in the browser (IndexedDB): big mailboxes survive a reload byte for byte, the
save status shows usage, an old localStorage world moves over, a sandboxed iframe runs in
memory, export then import reproduces the world, share links stay short, and two tabs do not
overwrite each other's world."""

import base64
import glob
import json
import os
import tempfile
import time
import unittest

from selenium.webdriver.common.by import By

from harness import DIST, chromium, console_errors, screenshot, serve_dist
from test_ui import click, css, fresh_page, mbox_count, send_from_sender, text_of, wait

BOSS = "boss@corp.example"


def allow_downloads(driver, folder):
    driver.execute_cdp_cmd("Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": folder})


def export(driver, folder):
    """Clicks Export and returns the downloaded world file, parsed."""
    for old in glob.glob(os.path.join(folder, "*.json")):
        os.remove(old)
    click(driver, "[data-testid=export-world]")
    path = os.path.join(folder, "mail-sandbox-world.json")
    deadline = time.time() + 60
    while time.time() < deadline:
        if os.path.exists(path) and not glob.glob(os.path.join(folder, "*.crdownload")):
            try:
                with open(path) as f:
                    return json.load(f)
            except ValueError:
                pass
        time.sleep(0.2)
    raise AssertionError("no export downloaded")


def inbox(world_file, user=BOSS):
    return world_file["world"]["store"]["mailboxes"][user]["folders"]["INBOX"]


def saved(driver):
    return text_of(driver, "[data-testid=saved]")


STORED_RECORD = """
const done = arguments[arguments.length - 1];
indexedDB.databases().then(list => {
  // Never opened here when the page has not made it: an open would create it without its stores.
  if (!list.some(db => db.name === "mail-sandbox")) { done(null); return; }
  const open = indexedDB.open("mail-sandbox");
  open.onerror = () => done(null);
  open.onsuccess = () => {
    const db = open.result;
    const get = db.transaction("state").objectStore("state").get("world");
    get.onerror = () => { db.close(); done(null); };
    get.onsuccess = () => { db.close(); done(get.result || null); };
  };
}, () => done(null));
"""


def stored_record(driver):
    """The saved record in IndexedDB (its generation and the world's state), or None."""
    text = driver.execute_async_script(STORED_RECORD)
    return json.loads(text) if text else None


def stored_generation(driver):
    """The generation of the world in IndexedDB (0: none yet); each save adds one."""
    record = stored_record(driver)
    return record["generation"] if record else 0


def stored_inbox_count(driver, user):
    """How many messages `user`'s INBOX holds in the world saved in IndexedDB (-1: none saved)."""
    record = stored_record(driver)
    return len(inbox(json.loads(record["state"]), user)["messages"]) if record else -1


def wait_stored_inbox(driver, count, user=BOSS, timeout=60):
    """Waits until the world in IndexedDB holds `count` messages in `user`'s INBOX and the page
    says so: a save that began before the message was delivered holds the world of then."""
    wait(driver, lambda d: saved(d).startswith("saved") and stored_inbox_count(d, user) == count,
         timeout=timeout, msg=f"{count} messages in {user}'s stored INBOX")


def wait_saved(driver, since, timeout=60):
    """Waits until the page says "saved" of a save newer than generation `since` (read before
    the change): a "saved" left from an earlier save does not count, which on a busy machine it
    did before the new save had run."""
    wait(driver, lambda d: saved(d).startswith("saved") and stored_generation(d) > since,
         timeout=timeout, msg=f"saved after generation {since}")


def toggle_mx(driver):
    """Takes mx.corp.example down (or up) from its host panel: a change that is saved."""
    driver.find_element(By.CSS_SELECTOR, "[data-testid=host-card][data-host='mx.corp.example']").click()
    click(driver, "[data-testid=toggle-host]")


def reload(driver):
    driver.refresh()
    wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=app-ready]"))


def big_message(n, size):
    """A message of about `size` bytes with a base64 attachment (CRLF line ends)."""
    head = (f"From: smith@isp.example\r\nTo: boss@corp.example\r\nSubject: Big {n}\r\n"
            "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            "--b\r\nContent-Type: text/plain\r\n\r\nThe scans.\r\n--b\r\n"
            f"Content-Type: application/octet-stream; name=scan{n}.bin\r\n"
            "Content-Transfer-Encoding: base64\r\n\r\n")
    blob = base64.b64encode(os.urandom(size * 3 // 4)).decode()
    lines = "\r\n".join(blob[i:i + 76] for i in range(0, len(blob), 76))
    return (head + lines + "\r\n--b--\r\n").encode()


class StorageTest(unittest.TestCase):
    def test_thirty_megabytes_imported_survive_a_reload_byte_for_byte(self):
        with serve_dist() as url, chromium() as driver, tempfile.TemporaryDirectory() as tmp:
            allow_downloads(driver, tmp)
            fresh_page(driver, url)
            world = export(driver, tmp)
            folder = inbox(world)
            template = folder["messages"][-1]
            for n in range(12):
                raw = big_message(n, 2_600_000)
                folder["highest_modseq"] += 1
                msg = dict(template, uid=folder["uidnext"], modseq=folder["highest_modseq"],
                           raw=base64.b64encode(raw).decode())
                folder["messages"].append(msg)
                folder["uidnext"] += 1
            total = sum(len(base64.b64decode(m["raw"])) for m in folder["messages"])
            self.assertGreater(total, 30_000_000)
            path = os.path.join(tmp, "big-world.json")
            with open(path, "w") as f:
                json.dump(world, f)
            before = stored_generation(driver)
            css(driver, "[data-testid=import-world]").send_keys(path)
            wait(driver, lambda d: mbox_count(d, "boss") == 15, timeout=60, msg="imported")
            wait_saved(driver, before)
            # The status shows what the world takes of the browser's quota.
            self.assertRegex(saved(driver), r"saved · [\d.]+ MB of [\d.]+ [MGT]B used")
            screenshot(driver, "storage-saved.png")
            reload(driver)
            wait(driver, lambda d: mbox_count(d, "boss") == 15, timeout=60, msg="restored")
            again = export(driver, tmp)
            self.assertEqual([m["raw"] for m in inbox(again)["messages"]],
                             [m["raw"] for m in folder["messages"]], "bodies byte for byte")
            self.assertEqual(console_errors(driver), [])

    def test_an_old_localstorage_world_moves_into_indexeddb(self):
        with serve_dist() as url, chromium() as driver, tempfile.TemporaryDirectory() as tmp:
            allow_downloads(driver, tmp)
            fresh_page(driver, url)
            world = export(driver, tmp)["world"]
            # As an older page saved it: one JSON string, boss's first message deleted.
            inbox(dict(world=world))["messages"].pop(0)
            driver.execute_script(
                "indexedDB.deleteDatabase('mail-sandbox');"
                "localStorage.setItem('mail-sandbox-world', arguments[0]);", json.dumps(world))
            reload(driver)
            wait(driver, lambda d: mbox_count(d, "boss") == 2, msg="migrated")
            self.assertIn("older version", text_of(driver, "[data-testid=event-log]"))
            # Any change saves: take a host down.
            before = stored_generation(driver)
            toggle_mx(driver)
            wait_saved(driver, before)
            self.assertIsNone(driver.execute_script("return localStorage.getItem('mail-sandbox-world')"))
            reload(driver)
            wait(driver, lambda d: mbox_count(d, "boss") == 2, msg="from IndexedDB now")
            self.assertEqual(console_errors(driver), [])

    def test_export_then_import_reproduces_the_world_and_the_pcs_mail(self):
        with serve_dist() as url, chromium(height=1200) as driver, tempfile.TemporaryDirectory() as tmp:
            allow_downloads(driver, tmp)
            fresh_page(driver, url)
            send_from_sender(driver, "Exported with the world")
            wait(driver, lambda d: mbox_count(d, "boss") == 4)
            before = export(driver, tmp)
            path = os.path.join(tmp, "saved-world.json")
            with open(path, "w") as f:
                json.dump(before, f)
            click(driver, "[data-testid=reset-world]")
            driver.switch_to.alert.accept()
            wait(driver, lambda d: mbox_count(d, "boss") == 3, msg="reset")
            css(driver, "[data-testid=import-world]").send_keys(path)
            wait(driver, lambda d: mbox_count(d, "boss") == 4, msg="imported")
            self.assertIn("Imported the world from saved-world.json", text_of(driver, "[data-testid=event-log]"))
            after = export(driver, tmp)
            self.assertEqual(after["world"]["store"], before["world"]["store"])
            self.assertEqual(after["world"]["queue"], before["world"]["queue"])
            self.assertEqual(after["pcs"], before["pcs"])
            # A file that is not a world is refused with the reason, and nothing changes.
            bad = os.path.join(tmp, "not-a-world.json")
            with open(bad, "w") as f:
                f.write('{"format":"something else"}')
            css(driver, "[data-testid=import-world]").send_keys(bad)
            wait(driver, lambda d: "not-a-world.json was not imported: not a Mail Sandbox world file"
                 in text_of(d, "[data-testid=event-log]"))
            self.assertEqual(mbox_count(driver, "boss"), 4)
            self.assertEqual(console_errors(driver), [])

    def test_a_share_link_of_one_new_message_is_short_and_opens_the_world(self):
        with serve_dist() as url, chromium() as driver:
            fresh_page(driver, url)
            send_from_sender(driver, "Shared by link")
            wait(driver, lambda d: mbox_count(d, "boss") == 4)
            click(driver, "[data-testid=share-world]")
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=share-url]"))
            link = css(driver, "[data-testid=share-url]").get_attribute("value")
            print(f"share link of the default world plus one message: {len(link)} characters")
            self.assertIn("#w=", link)
            self.assertLess(len(link), 2000)
        with serve_dist() as url2, chromium() as driver:
            driver.get(url2 + link[link.index("#"):])
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=app-ready]"))
            wait(driver, lambda d: mbox_count(d, "boss") == 4, msg="world from the link")
            self.assertNotIn("#w=", driver.current_url)
            # A damaged link is refused with a reason; the page still works.
            driver.get(url2 + "#w=AAAA")
            driver.refresh()
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=app-ready]"))
            wait(driver, lambda d: "refused" in text_of(d, "[data-testid=event-log]"))
            self.assertEqual(console_errors(driver), [])

    def test_a_sandboxed_iframe_runs_in_memory(self):
        with serve_dist() as url, chromium(width=1300, height=1000) as driver:
            host = os.path.join(DIST, "storage-blocked-host.html")
            with open(host, "w") as f:
                f.write("<!doctype html><title>docs</title><link rel=icon href='data:,'>"
                        "<iframe id=demo sandbox='allow-scripts' width=1250 height=950 src='./'></iframe>")
            try:
                driver.get(url + "storage-blocked-host.html")
                driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#demo"))
                wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=app-ready]"))
                wait(driver, lambda d: "kept in memory" in saved(d))
                send_from_sender(driver, "In memory")
                try:
                    wait(driver, lambda d: mbox_count(d, "boss") == 4, msg="works in memory")
                finally:
                    driver.switch_to.default_content()
                    screenshot(driver, "storage-in-memory.png")
                    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, "#demo"))
                time.sleep(2.5)
                self.assertIn("not saved", saved(driver))
                driver.switch_to.default_content()
                self.assertEqual(console_errors(driver), [])
            finally:
                os.remove(host)

    def test_two_tabs_do_not_overwrite_each_other(self):
        with serve_dist() as url, chromium() as driver:
            fresh_page(driver, url)
            first = driver.current_window_handle
            driver.switch_to.new_window("tab")
            second = driver.current_window_handle
            driver.get(url)
            wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "[data-testid=app-ready]"))
            # The first tab saves a new message.
            driver.switch_to.window(first)
            send_from_sender(driver, "From the first tab")
            wait(driver, lambda d: mbox_count(d, "boss") == 4)
            wait_stored_inbox(driver, 4)
            # The second tab, opened before, changes its own world: it is told, not saved.
            driver.switch_to.window(second)
            toggle_mx(driver)
            wait(driver, lambda d: "another tab" in saved(d), msg="conflict told")
            screenshot(driver, "storage-two-tabs.png")
            reload(driver)
            wait(driver, lambda d: mbox_count(d, "boss") == 4, msg="the first tab's world was kept")
            # Keeping the second tab's world is a choice: after it, it saves.
            driver.switch_to.window(first)
            send_from_sender(driver, "Again from the first tab")
            wait(driver, lambda d: mbox_count(d, "boss") == 5)
            wait_stored_inbox(driver, 5)
            driver.switch_to.window(second)
            toggle_mx(driver)
            wait(driver, lambda d: "another tab" in saved(d), msg="conflict again")
            # The first tab saves once more after the conflict was told: keeping this tab's
            # world still writes over it (it did not, when keeping meant "over the generation
            # the conflict saw").
            driver.switch_to.window(first)
            before = stored_generation(driver)
            toggle_mx(driver)
            wait_saved(driver, before)
            driver.switch_to.window(second)
            before = stored_generation(driver)
            click(driver, "[data-testid=keep-this-tab]")
            wait_saved(driver, before)
            driver.switch_to.window(first)
            reload(driver)
            wait(driver, lambda d: mbox_count(d, "boss") == 4, msg="the second tab's world now")
            self.assertEqual(console_errors(driver), [])


if __name__ == "__main__":
    unittest.main()
