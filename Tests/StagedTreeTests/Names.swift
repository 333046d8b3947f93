/// Name bytes that outlive the keys borrowing them (tests build keys over raw name buffers).
final class Names {
  var buffers: [UnsafeMutableRawBufferPointer] = []
  func make(_ s: [UInt8]) -> UnsafeRawBufferPointer {
    let b = UnsafeMutableRawBufferPointer.allocate(byteCount: max(s.count, 1), alignment: 1)
    b.copyBytes(from: s)
    buffers.append(b)
    return UnsafeRawBufferPointer(start: b.baseAddress, count: s.count)
  }
  deinit { for b in buffers { b.deallocate() } }
}
