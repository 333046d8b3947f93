/// One key with its leaf payload or internal child, borrowed from a node copy or the caller.
struct Entry {
  var key: Key
  var payload: UnsafeRawBufferPointer
  var child: UInt64
}

/// Exact per-stage sizes (staged-tree.md §4): what an entry costs when it opens a new slot, a new
/// item in an existing slot, or only a new version in an existing item.
struct StageSizes {
  let leaf: Bool

  /// A version: leaf offset (2) + snap/gen (16) + value header (3) + payload; internal 24.
  @inline(__always) func right(_ payload: Int) -> Int {
    leaf ? 2 + 16 + Node.valueHeaderSize + payload : Node.internalEntrySize
  }
  /// An item: both names with their u16 lengths, the u16 item length, the leaf count byte.
  @inline(__always) func string(_ k: Key, _ payload: Int) -> Int {
    k.ns.count + 2 + k.oid.count + 2 + 2 + (leaf ? 1 : 0) + right(payload)
  }
  @inline(__always) func left(_ k: Key, _ payload: Int) -> Int {
    Node.slotSize + string(k, payload)
  }
  func size(_ stage: Stage, _ k: Key, _ payload: Int) -> Int {
    switch stage {
    case .left: return left(k, payload)
    case .string: return string(k, payload)
    case .right: return right(payload)
    }
  }
}

extension Node {
  /// Appends this node's entries to `out` (pointing into this node's bytes).
  func gather(into out: inout [Entry]) {
    let n = slotCount
    for s in 0..<n {
      var e = regionEnd(s)
      let rs = regionStart(s)
      while e > rs {
        let b = boxEnd(e)
        let c = count(box: b, from: itemStart(e))
        let (ns, oid) = (nspace(e), self.oid(e))
        for i in 0..<c {
          let v = versionEnd(b, c, i)
          let key = Key(
            shard: shard(s), pool: pool(s), crush: crush(s), ns: ns, oid: oid, snap: u64(v - 16),
            gen: u64(v - 8))
          out.append(
            isLeaf
              ? Entry(key: key, payload: payload(b, c, i), child: 0)
              : Entry(
                key: key, payload: UnsafeRawBufferPointer(start: nil, count: 0), child: child(b, i))
          )
        }
        e = itemStart(e)
      }
    }
  }

  /// Writes `entries` (sorted) as this node's whole content, sharing each placement and name
  /// among the entries that have it (the staged appender).
  func build(
    _ entries: ArraySlice<Entry>, leaf: Bool, tail: Bool, level: Int, tailChild: UInt64 = 0
  ) {
    setHeader(leaf: leaf, tail: tail, level: level)
    var slot = 0
    var right = size
    var i = entries.startIndex
    while i < entries.endIndex {
      let k = entries[i].key
      setPlacement(slot, k)
      repeat {
        var j = i + 1
        while j < entries.endIndex && entries[j].key.comparePlacement(k) == 0
          && entries[j].key.compareName(entries[i].key) == 0
        {
          j += 1
        }
        right = writeItem(entries[i..<j], end: right)
        i = j
      } while i < entries.endIndex && entries[i].key.comparePlacement(k) == 0
      setRegionStart(slot, right)
      slot += 1
    }
    setSlotCount(slot)
    if leaf == false && tail { setTailChild(tailChild) }
  }

  /// Writes one item (a name and its versions) ending at `end`; returns where it starts.
  @discardableResult
  func writeItem<C: Collection<Entry>>(_ group: C, end: Int) -> Int {
    let k = group.first!.key
    var p = end - 2
    p = writeName(k.ns, endingAt: p)
    p = writeName(k.oid, endingAt: p)
    let b = p
    let c = group.count
    if isLeaf {
      set8(b - 1, c)
      p = b - 1 - 2 * c
      var offset = 0
      for (i, e) in group.enumerated() {
        let size = Node.valueHeaderSize + e.payload.count + 16
        p -= size
        writeVersion(e, at: p)
        offset += size
        set16(b - 3 - 2 * i, offset)
      }
    } else {
      for e in group {
        p -= Node.internalEntrySize
        writeInternalEntry(e, at: p)
      }
    }
    set16(end - 2, end - 2 - p)
    return p
  }

  /// An internal sub-item at `p`: snap, gen, child (crimson's `internal_sub_item_t`).
  @inline(__always) func writeInternalEntry(_ e: Entry, at p: Int) {
    set64(p, e.key.snap)
    set64(p + 8, e.key.gen)
    set64(p + 16, e.child)
  }

  /// A leaf sub-item at `p`: value header, payload, snap, gen.
  func writeVersion(_ e: Entry, at p: Int) {
    set8(p, Int(Node.onodeMagic))
    set16(p + 1, e.payload.count)
    if e.payload.count > 0 {
      (base + p + 3).copyMemory(from: e.payload.baseAddress!, byteCount: e.payload.count)
    }
    let v = p + 3 + e.payload.count
    set64(v, e.key.snap)
    set64(v + 8, e.key.gen)
  }

  /// A name stored as its bytes then a u16 length, ending at `end`; returns its start.
  private func writeName(_ name: UnsafeRawBufferPointer, endingAt end: Int) -> Int {
    set16(end - 2, name.count)
    let start = end - 2 - name.count
    if name.count > 0 { (base + start).copyMemory(from: name.baseAddress!, byteCount: name.count) }
    return start
  }
}
