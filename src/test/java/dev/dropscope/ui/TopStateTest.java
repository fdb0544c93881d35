package dev.dropscope.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.googlecode.lanterna.input.KeyStroke;
import com.googlecode.lanterna.input.KeyType;
import org.junit.jupiter.api.Test;

/** Every key binding, as a pure function of the state. */
class TopStateTest {

    private static KeyStroke key(KeyType t) {
        return new KeyStroke(t);
    }

    private static KeyStroke ch(char c) {
        return new KeyStroke(c, false, false);
    }

    private static TopState press(TopState s, Object... keys) {
        for (Object k : keys) {
            s = s.onKey(k instanceof Character c ? ch(c) : key((KeyType) k));
        }
        return s;
    }

    @Test
    void tabAndArrowsMoveBetweenPanesInOrderAndWrap() {
        TopState s = TopState.initial();
        assertEquals(Pane.DROP_SITES, s.focus());
        assertEquals(Pane.INTERFACES, press(s, KeyType.Tab).focus());
        assertEquals(Pane.SYSTEM, press(s, KeyType.Tab, KeyType.Tab).focus());
        assertEquals(Pane.FINDINGS, press(s, KeyType.Tab, KeyType.Tab, KeyType.Tab).focus());
        assertEquals(Pane.DROP_SITES, press(s, KeyType.Tab, KeyType.Tab, KeyType.Tab, KeyType.Tab).focus());
        assertEquals(Pane.FINDINGS, press(s, KeyType.ReverseTab).focus());
        assertEquals(Pane.FINDINGS, press(s, KeyType.ArrowLeft).focus());
        assertEquals(Pane.INTERFACES, press(s, KeyType.ArrowRight).focus());
    }

    @Test
    void upDownPagesAndEndsMoveTheSelectionOfTheFocusedPaneOnly() {
        TopState s = press(TopState.initial(), KeyType.ArrowDown, KeyType.ArrowDown);
        assertEquals(2, s.selected(Pane.DROP_SITES));
        assertEquals(0, s.selected(Pane.FINDINGS));
        assertEquals(1, press(s, KeyType.ArrowUp).selected(Pane.DROP_SITES));
        assertEquals(0, press(s, KeyType.ArrowUp, KeyType.ArrowUp, KeyType.ArrowUp).selected(Pane.DROP_SITES));
        assertEquals(12, press(s, KeyType.PageDown).selected(Pane.DROP_SITES));
        assertEquals(0, press(s, KeyType.PageUp).selected(Pane.DROP_SITES));
        assertEquals(0, press(s, KeyType.End, KeyType.Home).selected(Pane.DROP_SITES));

        TopState f = press(s, KeyType.Tab, KeyType.Tab, KeyType.Tab, KeyType.ArrowDown);
        assertEquals(1, f.selected(Pane.FINDINGS));
        assertEquals(2, f.selected(Pane.DROP_SITES), "each pane keeps its own selection");
        assertEquals(0, press(TopState.initial(), KeyType.Tab, KeyType.Tab, KeyType.ArrowDown).selected(Pane.SYSTEM));
    }

    @Test
    void clampingPullsSelectionsBackIntoTheLists() {
        TopState s = press(TopState.initial(), KeyType.End);
        TopState c = s.clamped(4, 2, 0);
        assertEquals(3, c.selected(Pane.DROP_SITES));
        assertEquals(0, c.selected(Pane.FINDINGS));
        assertSame(c, c.clamped(4, 2, 0), "nothing to change: the same state");
        assertEquals(0, s.clamped(0, 0, 0).selected(Pane.DROP_SITES));
    }

    @Test
    void sCyclesTheSortOfTheFocusedPane() {
        TopState s = press(TopState.initial(), 's');
        assertEquals(TopState.SiteSort.COUNT, s.siteSort());
        assertEquals("Drop sites sorted by total", s.message());
        assertEquals(TopState.SiteSort.RATE, press(s, 's').siteSort());

        TopState i = press(TopState.initial(), KeyType.Tab, 's');
        assertEquals(TopState.InterfaceSort.TRAFFIC, i.interfaceSort());
        assertEquals(TopState.InterfaceSort.NAME, press(i, 's').interfaceSort());
        assertEquals(TopState.InterfaceSort.DROPS, press(i, 's', 's').interfaceSort());
        assertEquals(TopState.SiteSort.RATE, i.siteSort());

        TopState f = press(TopState.initial(), KeyType.ReverseTab, 's');
        assertEquals("s sorts the Drop sites and Interfaces panes", f.message());
        assertNull(press(f, KeyType.ArrowDown).message(), "a message lasts until the next key");
    }

    @Test
    void slashEditsAFilterThatEnterAppliesAndEscapeCancelsOrClears() {
        TopState typing = press(TopState.initial(), '/', 'u', 'd', 'p', 'x', KeyType.Backspace);
        assertEquals("udp", typing.filterDraft());
        assertEquals("", typing.filter(), "not applied while typing");
        assertEquals(Pane.DROP_SITES, press(typing, 'q', KeyType.Tab).focus(), "q and Tab are text while typing");
        assertEquals(TopState.Exit.STAY, press(typing, 'q').exit());

        TopState applied = press(typing, KeyType.Enter);
        assertEquals("udp", applied.filter());
        assertNull(applied.filterDraft());
        assertEquals("udp", press(applied, '/').filterDraft(), "editing starts from the current filter");

        assertEquals("udp", press(applied, '/', 'z', KeyType.Escape).filter(), "Esc while typing cancels the edit");
        TopState cleared = press(applied, KeyType.Escape);
        assertEquals("", cleared.filter());
        assertEquals("filter cleared", cleared.message());
        assertEquals("", press(applied, '/').onKey(new KeyStroke('u', true, false)).filterDraft(), "Ctrl-U empties it");

        TopState selected = press(TopState.initial(), KeyType.ArrowDown, KeyType.ArrowDown, '/', 'a', KeyType.Enter);
        assertEquals(0, selected.selected(Pane.DROP_SITES), "a new filter starts at the top");
    }

    @Test
    void pPausesAndResumes() {
        TopState p = press(TopState.initial(), 'p');
        assertTrue(p.paused());
        assertFalse(press(p, 'p').paused());
        assertTrue(press(p, KeyType.Enter, KeyType.ArrowDown).paused(), "details do not resume");
    }

    @Test
    void enterOpensTheDetailWhichScrollsAndEscapeCloses() {
        TopState d = press(TopState.initial(), KeyType.Enter);
        assertTrue(d.detailOpen());
        TopState scrolled = press(d, KeyType.ArrowDown, KeyType.ArrowDown, KeyType.PageDown);
        assertEquals(12, scrolled.detailScroll());
        assertEquals(11, press(scrolled, KeyType.ArrowUp).detailScroll());
        assertEquals(0, press(scrolled, KeyType.Home).detailScroll());
        assertEquals(0, press(d, KeyType.PageUp).detailScroll());
        assertEquals(Pane.DROP_SITES, press(d, KeyType.Tab).focus(), "Tab does not leave a detail");
        assertEquals(5, scrolled.withDetailScrollLimit(25, 20).detailScroll());
        assertSame(scrolled, scrolled.withDetailScrollLimit(100, 20));
        for (KeyType close : new KeyType[] {KeyType.Escape, KeyType.Enter, KeyType.Backspace, KeyType.ArrowLeft}) {
            TopState back = press(scrolled, close);
            assertFalse(back.detailOpen(), close.toString());
            assertEquals(0, back.detailScroll());
        }
    }

    @Test
    void questionMarkOpensHelpAndAnyKeyClosesIt() {
        TopState h = press(TopState.initial(), '?');
        assertTrue(h.helpOpen());
        TopState closed = press(h, KeyType.ArrowDown);
        assertFalse(closed.helpOpen());
        assertEquals(0, closed.selected(Pane.DROP_SITES), "the closing key does nothing else");
        assertEquals(TopState.Exit.QUIT, press(h, 'q').exit());
    }

    @Test
    void eRequestsAnExportAndTheResultBecomesTheMessage() {
        TopState e = press(TopState.initial(), 'e');
        assertTrue(e.exportRequested());
        TopState done = e.exported("snapshot written to /root/dropscope-snapshot-20261122-123456.json");
        assertFalse(done.exportRequested());
        assertEquals("snapshot written to /root/dropscope-snapshot-20261122-123456.json", done.message());
        assertTrue(press(TopState.initial(), KeyType.Enter, 'e').exportRequested(), "also from a detail");
    }

    @Test
    void qQuitsAndCtrlCInterruptsFromAnywhere() {
        assertEquals(TopState.Exit.QUIT, press(TopState.initial(), 'q').exit());
        assertEquals(TopState.Exit.QUIT, press(TopState.initial(), KeyType.Enter, 'q').exit());
        KeyStroke ctrlC = new KeyStroke('c', true, false);
        assertEquals(TopState.Exit.INTERRUPT, TopState.initial().onKey(ctrlC).exit());
        assertEquals(TopState.Exit.INTERRUPT, press(TopState.initial(), '/', 'x').onKey(ctrlC).exit());
        assertEquals(TopState.Exit.INTERRUPT, press(TopState.initial(), '?').onKey(ctrlC).exit());
        assertEquals(TopState.Exit.STAY, press(TopState.initial(), 'c', 'Q', KeyType.F1).exit());
    }
}
