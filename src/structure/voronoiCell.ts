/**
 * One Voronoi cell as a convex polyhedron that is cut by bisector planes (the voro++ approach,
 * SPEC §13). The cell starts as the box [−L/2, L/2]³ around its atom (the bisectors with the atom's
 * own periodic images) and each neighbour at relative position p cuts it with the plane
 * x·p = |p|²/2.
 *
 * Representation: a shared vertex table and faces as ordered vertex loops. A vertex whose distance to
 * a cutting plane is within `eps` counts as lying on the plane: it is kept and becomes a corner of the
 * new face, so vertices where four or more faces meet (fcc's rhombic dodecahedron) stay single
 * vertices and every face keeps its true edge count. Faces are clipped Sutherland–Hodgman style with
 * one shared intersection vertex per cut edge; the new face is the loop of on-plane vertices ordered
 * by angle around their centroid.
 */

export class VoronoiCell {
  /** Tolerance (Å) for a vertex to count as lying on a cutting plane. */
  readonly eps: number;
  nv = 0;
  nf = 0;
  vx: Float64Array;
  vy: Float64Array;
  vz: Float64Array;
  /** Faces: loop of vertex ids fv[fStart[f] .. fStart[f] + fLen[f]). */
  fStart: Int32Array;
  fLen: Int32Array;
  /** Neighbour atom that made the face (the atom itself for its periodic images). */
  fNbr: Int32Array;
  /** Distance from the atom to the face plane (Å). */
  fH: Float64Array;
  fv: Int32Array;
  private fvLen = 0;
  // the other half of the double buffers
  private bx: Float64Array;
  private by: Float64Array;
  private bz: Float64Array;
  private bStart: Int32Array;
  private bLen: Int32Array;
  private bNbr: Int32Array;
  private bH: Float64Array;
  private bfv: Int32Array;
  // scratch
  private side: Int8Array;
  private sval: Float64Array;
  private remap: Int32Array;
  private cap: number[] = [];
  private edgeA: number[] = [];
  private edgeB: number[] = [];
  private edgeV: number[] = [];
  private angle: Float64Array;
  private capOrder: number[] = [];

  constructor(eps = 1e-10, vcap = 256, fcap = 128, fvcap = 1024) {
    this.eps = eps;
    this.vx = new Float64Array(vcap);
    this.vy = new Float64Array(vcap);
    this.vz = new Float64Array(vcap);
    this.bx = new Float64Array(vcap);
    this.by = new Float64Array(vcap);
    this.bz = new Float64Array(vcap);
    this.side = new Int8Array(vcap);
    this.sval = new Float64Array(vcap);
    this.remap = new Int32Array(vcap);
    this.angle = new Float64Array(vcap);
    this.fStart = new Int32Array(fcap);
    this.fLen = new Int32Array(fcap);
    this.fNbr = new Int32Array(fcap);
    this.fH = new Float64Array(fcap);
    this.bStart = new Int32Array(fcap);
    this.bLen = new Int32Array(fcap);
    this.bNbr = new Int32Array(fcap);
    this.bH = new Float64Array(fcap);
    this.fv = new Int32Array(fvcap);
    this.bfv = new Int32Array(fvcap);
  }

  /** Reset to the box [−hx, hx] × [−hy, hy] × [−hz, hz]; its faces are labelled with `self`. */
  reset(hx: number, hy: number, hz: number, self: number): void {
    const X = [-hx, hx];
    const Y = [-hy, hy];
    const Z = [-hz, hz];
    this.nv = 8;
    for (let k = 0; k < 8; k++) {
      this.vx[k] = X[(k >> 2) & 1];
      this.vy[k] = Y[(k >> 1) & 1];
      this.vz[k] = Z[k & 1];
    }
    // vertex k = (x bit 4, y bit 2, z bit 1); loops counter-clockwise seen from outside
    const faces: [number[], number][] = [
      [[0, 1, 3, 2], hx], // −x
      [[4, 6, 7, 5], hx], // +x
      [[0, 4, 5, 1], hy], // −y
      [[2, 3, 7, 6], hy], // +y
      [[0, 2, 6, 4], hz], // −z
      [[1, 5, 7, 3], hz], // +z
    ];
    this.nf = 6;
    this.fvLen = 0;
    faces.forEach(([loop, h], f) => {
      this.fStart[f] = this.fvLen;
      this.fLen[f] = 4;
      this.fNbr[f] = self;
      this.fH[f] = h;
      for (const v of loop) this.fv[this.fvLen++] = v;
    });
  }

  /** Largest squared distance of a vertex from the atom. */
  maxR2(): number {
    let m = 0;
    for (let v = 0; v < this.nv; v++) {
      const r2 = this.vx[v] * this.vx[v] + this.vy[v] * this.vy[v] + this.vz[v] * this.vz[v];
      if (r2 > m) m = r2;
    }
    return m;
  }

  private growVertices(need: number): void {
    if (need <= this.vx.length) return;
    let cap = this.vx.length;
    while (cap < need) cap *= 2;
    const g = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.vx = g(this.vx);
    this.vy = g(this.vy);
    this.vz = g(this.vz);
    this.bx = g(this.bx);
    this.by = g(this.by);
    this.bz = g(this.bz);
    this.sval = g(this.sval);
    this.angle = g(this.angle);
    const s = new Int8Array(cap);
    s.set(this.side);
    this.side = s;
    const r = new Int32Array(cap);
    r.set(this.remap);
    this.remap = r;
  }

  private growFaces(nf: number, nfv: number): void {
    if (nf > this.fStart.length) {
      let cap = this.fStart.length;
      while (cap < nf) cap *= 2;
      const gi = (a: Int32Array) => {
        const b = new Int32Array(cap);
        b.set(a);
        return b;
      };
      const gf = (a: Float64Array) => {
        const b = new Float64Array(cap);
        b.set(a);
        return b;
      };
      this.fStart = gi(this.fStart);
      this.fLen = gi(this.fLen);
      this.fNbr = gi(this.fNbr);
      this.fH = gf(this.fH);
      this.bStart = gi(this.bStart);
      this.bLen = gi(this.bLen);
      this.bNbr = gi(this.bNbr);
      this.bH = gf(this.bH);
    }
    if (nfv > this.fv.length) {
      let cap = this.fv.length;
      while (cap < nfv) cap *= 2;
      const a = new Int32Array(cap);
      a.set(this.fv);
      this.fv = a;
      const b = new Int32Array(cap);
      b.set(this.bfv);
      this.bfv = b;
    }
  }

  /**
   * Cut with the bisector of the atom and a neighbour at relative position (px, py, pz).
   * Returns true when the cell changed.
   */
  cut(px: number, py: number, pz: number, nbr: number): boolean {
    const rr = Math.sqrt(px * px + py * py + pz * pz);
    const ux = px / rr;
    const uy = py / rr;
    const uz = pz / rr;
    const h = rr / 2;
    const eps = this.eps;
    const nv = this.nv;
    let anyOut = false;
    const { vx, vy, vz, side, sval } = this;
    for (let v = 0; v < nv; v++) {
      const s = vx[v] * ux + vy[v] * uy + vz[v] * uz - h;
      sval[v] = s;
      if (s > eps) {
        side[v] = 1;
        anyOut = true;
      } else side[v] = s < -eps ? -1 : 0;
    }
    if (!anyOut) return false;
    // worst case: every vertex kept plus one new vertex per edge
    this.growVertices(nv + this.fvLen + 8);
    this.growFaces(this.nf + 1, 2 * this.fvLen + nv + 8);
    const remap = this.remap;
    remap.fill(-1, 0, nv);
    const cap = this.cap;
    cap.length = 0;
    this.edgeA.length = 0;
    this.edgeB.length = 0;
    this.edgeV.length = 0;
    const { bx, by, bz, bStart, bLen, bNbr, bH, bfv } = this;
    let nn = 0;
    let nf = 0;
    let fvl = 0;
    for (let f = 0; f < this.nf; f++) {
      const s0 = this.fStart[f];
      const len = this.fLen[f];
      const start = fvl;
      for (let e = 0; e < len; e++) {
        const a = this.fv[s0 + e];
        const b = this.fv[s0 + (e + 1 === len ? 0 : e + 1)];
        const sa = side[a];
        if (sa <= 0) {
          let m = remap[a];
          if (m < 0) {
            m = nn++;
            remap[a] = m;
            bx[m] = vx[a];
            by[m] = vy[a];
            bz[m] = vz[a];
            if (sa === 0) cap.push(m);
          }
          bfv[fvl++] = m;
        }
        const sb = side[b];
        if ((sa < 0 && sb > 0) || (sa > 0 && sb < 0)) {
          const lo = a < b ? a : b;
          const hi = a < b ? b : a;
          let m = -1;
          for (let q = 0; q < this.edgeA.length; q++) {
            if (this.edgeA[q] === lo && this.edgeB[q] === hi) {
              m = this.edgeV[q];
              break;
            }
          }
          if (m < 0) {
            const t = sval[lo] / (sval[lo] - sval[hi]);
            m = nn++;
            bx[m] = vx[lo] + t * (vx[hi] - vx[lo]);
            by[m] = vy[lo] + t * (vy[hi] - vy[lo]);
            bz[m] = vz[lo] + t * (vz[hi] - vz[lo]);
            cap.push(m);
            this.edgeA.push(lo);
            this.edgeB.push(hi);
            this.edgeV.push(m);
          }
          bfv[fvl++] = m;
        }
      }
      const kept = fvl - start;
      if (kept >= 3) {
        bStart[nf] = start;
        bLen[nf] = kept;
        bNbr[nf] = this.fNbr[f];
        bH[nf] = this.fH[f];
        nf++;
      } else {
        fvl = start;
      }
    }
    if (cap.length >= 3) {
      // order the new face's corners by angle around their centroid, counter-clockwise about u
      let cx = 0;
      let cy = 0;
      let cz = 0;
      for (const m of cap) {
        cx += bx[m];
        cy += by[m];
        cz += bz[m];
      }
      cx /= cap.length;
      cy /= cap.length;
      cz /= cap.length;
      // e1 ⟂ u from the axis least aligned with u; e2 = u × e1
      const ax = Math.abs(ux);
      const ay = Math.abs(uy);
      const az = Math.abs(uz);
      let e1x: number;
      let e1y: number;
      let e1z: number;
      if (ax <= ay && ax <= az) {
        e1x = 0;
        e1y = uz;
        e1z = -uy;
      } else if (ay <= az) {
        e1x = -uz;
        e1y = 0;
        e1z = ux;
      } else {
        e1x = uy;
        e1y = -ux;
        e1z = 0;
      }
      const e1n = Math.sqrt(e1x * e1x + e1y * e1y + e1z * e1z);
      e1x /= e1n;
      e1y /= e1n;
      e1z /= e1n;
      const e2x = uy * e1z - uz * e1y;
      const e2y = uz * e1x - ux * e1z;
      const e2z = ux * e1y - uy * e1x;
      const ang = this.angle;
      for (const m of cap) {
        const qx = bx[m] - cx;
        const qy = by[m] - cy;
        const qz = bz[m] - cz;
        ang[m] = Math.atan2(qx * e2x + qy * e2y + qz * e2z, qx * e1x + qy * e1y + qz * e1z);
      }
      const order = this.capOrder;
      order.length = 0;
      for (const m of cap) order.push(m);
      // insertion sort (caps are small)
      for (let p = 1; p < order.length; p++) {
        const m = order[p];
        const am = ang[m];
        let q = p - 1;
        while (q >= 0 && ang[order[q]] > am) {
          order[q + 1] = order[q];
          q--;
        }
        order[q + 1] = m;
      }
      bStart[nf] = fvl;
      bLen[nf] = order.length;
      bNbr[nf] = nbr;
      bH[nf] = h;
      for (const m of order) bfv[fvl++] = m;
      nf++;
    }
    // swap buffers
    this.bx = this.vx;
    this.by = this.vy;
    this.bz = this.vz;
    this.vx = bx;
    this.vy = by;
    this.vz = bz;
    this.bStart = this.fStart;
    this.bLen = this.fLen;
    this.bNbr = this.fNbr;
    this.bH = this.fH;
    this.bfv = this.fv;
    this.fStart = bStart;
    this.fLen = bLen;
    this.fNbr = bNbr;
    this.fH = bH;
    this.fv = bfv;
    this.nv = nn;
    this.nf = nf;
    this.fvLen = fvl;
    return true;
  }

  /** Area of face f (Å²). */
  faceArea(f: number): number {
    const s = this.fStart[f];
    const len = this.fLen[f];
    const { vx, vy, vz, fv } = this;
    let ax = 0;
    let ay = 0;
    let az = 0;
    const o = fv[s];
    for (let k = 1; k + 1 < len; k++) {
      const b = fv[s + k];
      const c = fv[s + k + 1];
      const ux = vx[b] - vx[o];
      const uy = vy[b] - vy[o];
      const uz = vz[b] - vz[o];
      const wx = vx[c] - vx[o];
      const wy = vy[c] - vy[o];
      const wz = vz[c] - vz[o];
      ax += uy * wz - uz * wy;
      ay += uz * wx - ux * wz;
      az += ux * wy - uy * wx;
    }
    return 0.5 * Math.sqrt(ax * ax + ay * ay + az * az);
  }
}
