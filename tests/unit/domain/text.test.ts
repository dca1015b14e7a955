import { foldText, stripDefaultIgnorables } from '../../../src/domain/text';
import { confusableSkeleton, lookalikeSets, looksAlike, nameSkeletonKey } from '../../../src/domain/identity/confusable-skeleton';

describe('foldText', () => {
  it.each([
    ['alice@acme.com\u200b', 'zero width space at the end'],
    ['al\u200bice@acme.com', 'zero width space inside'],
    ['alice@acme.com\u2060', 'word joiner'],
    ['ali\u00adce@acme.com', 'soft hyphen'],
    ['\ufeffalice@acme.com', 'byte order mark'],
    ['alice\u200d@acme.com\u034f', 'zero width joiner, combining grapheme joiner'],
    ['alice@acme.com\u{e0041}', 'tag character'],
    ['a\ufe0flice@acme.com', 'variation selector'],
    ['alice@acme.com\u180e', 'Mongolian vowel separator'],
    [' Alice@ACME.com\u200b ', 'spaces and case around an invisible character'],
    ['Ａlice@acme.com\u2061', 'full width letter and an invisible operator'],
  ])('%j (%s) folds to alice@acme.com', (value) => {
    expect(foldText(value)).toBe('alice@acme.com');
  });

  it('keeps what is visible: letters of other scripts, spaces inside, combining accents', () => {
    expect(foldText('Zoë Ünal')).toBe('zoë ünal');
    expect(foldText('аlice@acme.com')).not.toBe('alice@acme.com');
  });

  it('stripDefaultIgnorables removes only Default_Ignorable_Code_Point characters, keeping case', () => {
    expect(stripDefaultIgnorables('Oid-\u200b1\u00ad\u2060')).toBe('Oid-1');
    expect(stripDefaultIgnorables('AbC 1')).toBe('AbC 1');
  });
});

describe('confusableSkeleton (UTS #39)', () => {
  it('maps look-alikes of other scripts to the same skeleton as the Latin name', () => {
    // Cyrillic а (U+0430), е (U+0435), о (U+043E); Greek ο (U+03BF)
    expect(confusableSkeleton('аlice@acme.com')).toBe(confusableSkeleton('alice@acme.com'));
    expect(confusableSkeleton('alicе@acmе.cоm')).toBe(confusableSkeleton('alice@acme.com'));
    expect(confusableSkeleton('bοb@acme.com')).toBe(confusableSkeleton('bob@acme.com'));
  });

  it('ignores default-ignorable characters and differs for different names', () => {
    expect(confusableSkeleton('al\u200bice')).toBe(confusableSkeleton('alice'));
    expect(confusableSkeleton('alice@acme.com')).not.toBe(confusableSkeleton('alina@acme.com'));
  });

  it('looksAlike: same skeleton, different folded names, at least one not plain ASCII', () => {
    expect(looksAlike('аlice@acme.com', 'alice@acme.com')).toBe(true);
    // ASCII-only pairs (rn and m, 1 and l) are real, typeable names: not flagged.
    expect(looksAlike('arnie@acme.com', 'amie@acme.com')).toBe(false);
    expect(looksAlike('alice@acme.com', 'Alice@ACME.com')).toBe(false);
  });

  it('nameSkeletonKey: the folded name\'s skeleton, cut to 1,024 bytes (one character can have a skeleton of 5 or 18)', () => {
    expect(nameSkeletonKey('Fin\u0430nce ADMINS')).toBe(nameSkeletonKey('finance admins'));
    const long = '\u060a'.repeat(1000);
    expect(Array.from(confusableSkeleton(long))).toHaveLength(5000);
    expect(Buffer.byteLength(nameSkeletonKey(long))).toBeLessThanOrEqual(1024);
    expect(confusableSkeleton(long).startsWith(nameSkeletonKey(long))).toBe(true);
    expect(nameSkeletonKey(`${long}x`)).toBe(nameSkeletonKey(long));
  });

  it('lookalikeSets keeps the sets an admin should see: look-alikes beyond ASCII, or names differing only invisibly', () => {
    const sets = [
      [{ name: 'Finance' }, { name: 'Fin\u0430nce' }],
      [{ name: 'arnie' }, { name: 'amie' }],
      [{ name: 'Payroll' }, { name: 'Pay\u200broll' }],
      // Equal keys, different whole skeletons (cut at 1,024 bytes).
      [{ name: '\u060a'.repeat(1000) }, { name: `${'\u060a'.repeat(1000)}\u0430` }],
    ];
    expect(lookalikeSets(sets, (row) => row.name)).toEqual([sets[0], sets[2]]);
  });
});
