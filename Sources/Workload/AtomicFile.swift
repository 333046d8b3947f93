import CSys
import Foundation

/// A file that could not be written: one line naming the path and the system's reason.
public struct FileWriteError: Error, CustomStringConvertible {
  public var path: String
  public var reason: String
  public var description: String { "\(path): cannot write (\(reason))" }

  public init(_ path: String, errno code: Int32) {
    self.path = path
    reason = String(cString: strerror(code))
  }
}

/// Writes files atomically: a temporary file in the same directory, then `rename`. A failed
/// write removes its temporary file; so does a second Ctrl-C that kills the process mid-write.
public enum AtomicFile {
  public static func write(_ data: Data, to path: String) throws {
    let out = try Stream(path: path)
    try data.withUnsafeBytes { try out.write($0) }
    try out.commit()
  }

  public static func write(_ text: String, to path: String) throws {
    try write(Data(text.utf8), to: path)
  }

  /// The temporary name `path` is written under before its rename.
  public static func temporaryPath(for path: String) -> String {
    let url = URL(fileURLWithPath: path)
    return url.deletingLastPathComponent().appendingPathComponent(
      ".\(url.lastPathComponent).tmp-\(getpid())"
    ).path
  }

  /// A file written piece by piece through a buffer; it appears at its path on `commit()`, and
  /// never when the writer fails or is dropped uncommitted (its temporary file is removed).
  public final class Stream {
    let path: String
    let temporary: String
    var fd: Int32
    let slot: Int32
    var buffer: [UInt8] = []
    var finished = false
    static let flushSize = 1 << 20

    public init(path: String) throws {
      self.path = path
      temporary = AtomicFile.temporaryPath(for: path)
      fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
      guard fd >= 0 else { throw FileWriteError(path, errno: errno) }
      slot = csys_temp_register(temporary)
      buffer.reserveCapacity(Self.flushSize)
    }

    deinit { abandon() }

    /// Buffers small pieces; a piece of `flushSize` or more goes to the file directly, so a
    /// whole-file `AtomicFile.write` is not copied through the buffer first.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
      if bytes.count >= Self.flushSize {
        try flush()
        try writeAll(bytes)
        return
      }
      buffer.append(contentsOf: bytes)
      if buffer.count >= Self.flushSize { try flush() }
    }

    public func write(_ bytes: [UInt8]) throws {
      try bytes.withUnsafeBytes { try write($0) }
    }

    func flush() throws {
      try buffer.withUnsafeBytes { try writeAll($0) }
      buffer.removeAll(keepingCapacity: true)
    }

    /// Writes every byte to the file (retrying short writes); a failure abandons the file.
    func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
      var done = 0
      while done < bytes.count {
        let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else {
          let e = FileWriteError(path, errno: n < 0 ? errno : ENOSPC)
          abandon()
          throw e
        }
        done += n
      }
    }

    /// Writes what is buffered, closes, and renames the file into place.
    public func commit() throws {
      try flush()
      let rc = close(fd)
      fd = -1
      guard rc == 0 else {
        let e = FileWriteError(path, errno: errno)
        abandon()
        throw e
      }
      guard rename(temporary, path) == 0 else {
        let e = FileWriteError(path, errno: errno)
        abandon()
        throw e
      }
      finished = true
      csys_temp_release(slot)
    }

    /// Closes and removes the temporary file (nothing after a commit).
    public func abandon() {
      guard !finished else { return }
      finished = true
      if fd >= 0 { close(fd) }
      fd = -1
      unlink(temporary)
      csys_temp_release(slot)
    }
  }
}
