import Foundation
import Testing

/// A headless Chromium on PATH (chromium, chromium-browser, google-chrome), or
/// `TREEBENCH_CHROMIUM`; nil when there is none (`scripts/test --browser` installs one).
let chromium: String? = {
  if let given = ProcessInfo.processInfo.environment["TREEBENCH_CHROMIUM"], !given.isEmpty {
    return given
  }
  let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
  for name in ["chromium", "chromium-browser", "google-chrome"] {
    for dir in path.split(separator: ":")
    where FileManager.default.isExecutableFile(
      atPath: "\(dir)/\(name)")
    {
      return "\(dir)/\(name)"
    }
  }
  return nil
}()

/// report.html in a real browser: every image decodes, the run status and the reference ratios
/// are on the page, and nothing logs an error.
@Suite(
  .serialized,
  .enabled(
    if: chromium != nil,
    "no chromium on PATH: skipping the browser test (scripts/test --browser installs it)"),
  .enabled(if: gnuplotInstalled, "gnuplot is not installed; skipping the browser test"))
final class BrowserTests {
  let scratch =
    NSTemporaryDirectory() + "tb-browser-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/"
  init() throws {
    try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
  }
  deinit { try? FileManager.default.removeItem(atPath: scratch) }

  /// Reports, after the load event, how many images decoded and what was logged as an error.
  static let probe = """
    <script>
    window.__errors = [];
    const __error = console.error;
    console.error = function (...a) { window.__errors.push(a.join(' ')); __error.apply(console, a); };
    window.addEventListener('error', e => window.__errors.push('error: ' + (e.message || (e.target && (e.target.src || '').slice(0, 60)))), true);
    window.addEventListener('load', () => {
      const images = [...document.images];
      const result = { images: images.length, decoded: images.filter(i => i.complete && i.naturalWidth > 0).length, errors: window.__errors };
      const pre = document.createElement('pre');
      pre.id = 'probe';
      pre.textContent = JSON.stringify(result);
      document.body.appendChild(pre);
    });
    </script>
    """

  @Test func theReportLoadsCleanlyInChromium() throws {
    let spec = scratch + "b.yaml"
    try
      "name: browser\nrecords: 300\noperations: 2000\nthreads: [1, 2]\nmix: {read: 0.5, update: 0.5}\nkeys: int64\nengines: [art, sortedmap]\ninterval: 0.01\n"
      .write(toFile: spec, atomically: true, encoding: .utf8)
    let out = scratch + "run"
    let r = try BenchProcess.run(
      ["run", spec, "--out", out, "--quiet", "--plot"], scratch: scratch + "io")
    #expect(r.status == 0, "\(r.err)")
    let html = try String(contentsOfFile: out + "/plots/report.html", encoding: .utf8)
    // The probe goes first in <head>, so it sees every error the page raises.
    let page = scratch + "probe.html"
    try html.replacingOccurrences(of: "<head>", with: "<head>" + Self.probe)
      .write(toFile: page, atomically: true, encoding: .utf8)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: try #require(chromium))
    p.arguments = [
      "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--user-data-dir=\(scratch)profile", "--virtual-time-budget=5000", "--dump-dom",
      "file://" + page,
    ]
    let dom = scratch + "dom.html"
    _ = FileManager.default.createFile(atPath: dom, contents: nil)
    p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: dom))
    p.standardError = FileHandle.nullDevice
    try p.run()
    let deadline = Date().addingTimeInterval(90)
    while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    if p.isRunning {
      p.terminate()
      Issue.record("chromium ran past 90 s")
    }
    p.waitUntilExit()
    let text = try String(contentsOfFile: dom, encoding: .utf8)
    let json = try #require(
      text.components(separatedBy: "<pre id=\"probe\">").dropFirst().first?
        .components(separatedBy: "</pre>").first, "no probe result in the page: \(text.prefix(300))"
    )
    let result = try #require(
      try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    #expect(result["images"] as? Int == 4)
    #expect(result["decoded"] as? Int == result["images"] as? Int, "an image did not decode")
    #expect((result["errors"] as? [String]) == [], "\(result["errors"] ?? "")")
    #expect(text.contains("status-complete\">COMPLETE<"))
    #expect(text.contains("<td class=\"ratio\">×"), "no ratios against sortedmap")
  }
}
