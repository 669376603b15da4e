import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { atomicNumber, ELEMENTS, isElement } from '../../src/chem/elements.ts';
import { CompositionError } from '../../src/util/errors.ts';

describe('elements', () => {
  it('lists the 118 symbols once each, in atomic-number order', () => {
    assert.equal(ELEMENTS.length, 118);
    assert.equal(new Set(ELEMENTS).size, 118);
    assert.ok(Object.isFrozen(ELEMENTS));
    assert.deepEqual(ELEMENTS.slice(0, 10), ['H', 'He', 'Li', 'Be', 'B', 'C', 'N', 'O', 'F', 'Ne']);
    for (const sym of ELEMENTS) assert.match(sym, /^[A-Z][a-z]?$/);
  });

  it('gives known atomic numbers', () => {
    assert.equal(atomicNumber('H'), 1);
    assert.equal(atomicNumber('B'), 5);
    assert.equal(atomicNumber('Fe'), 26);
    assert.equal(atomicNumber('Cu'), 29);
    assert.equal(atomicNumber('Zr'), 40);
    assert.equal(atomicNumber('Nb'), 41);
    assert.equal(atomicNumber('W'), 74);
    assert.equal(atomicNumber('U'), 92);
    assert.equal(atomicNumber('Og'), 118);
  });

  it('is case-sensitive', () => {
    assert.equal(isElement('Fe'), true);
    assert.equal(isElement('FE'), false);
    assert.equal(isElement('fe'), false);
    assert.equal(isElement('Xx'), false);
    assert.equal(isElement(''), false);
    assert.throws(() => atomicNumber('Xx'), new CompositionError("Unknown element 'Xx'"));
  });
});
