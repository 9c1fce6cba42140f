"""The one place that reads the pygame event queue and turns raw events into game actions."""

from __future__ import annotations

import pygame

from .ui import Action, Ui

KEYS: dict[int, Action] = {
    pygame.K_SPACE: Action("pause"),
    pygame.K_EQUALS: Action("faster"),
    pygame.K_PLUS: Action("faster"),
    pygame.K_KP_PLUS: Action("faster"),
    pygame.K_MINUS: Action("slower"),
    pygame.K_KP_MINUS: Action("slower"),
    pygame.K_ESCAPE: Action("back"),
    pygame.K_RETURN: Action("confirm"),
    pygame.K_KP_ENTER: Action("confirm"),
    pygame.K_F11: Action("fullscreen"),
    pygame.K_TAB: Action("next_tab"),
    pygame.K_t: Action("take_calls"),
    pygame.K_p: Action("policies"),
    pygame.K_c: Action("conversation"),
    pygame.K_e: Action("end_shift"),
    pygame.K_LEFT: Action("prev"),
    pygame.K_RIGHT: Action("next"),
    pygame.K_UP: Action("up"),
    pygame.K_DOWN: Action("down"),
    pygame.K_PAGEUP: Action("page", -1),
    pygame.K_PAGEDOWN: Action("page", 1),
}
for _n in range(1, 6):
    KEYS[getattr(pygame, f"K_{_n}")] = Action("choose", _n)
    KEYS[getattr(pygame, f"K_KP{_n}")] = Action("choose", _n)


def action_of_key(event: pygame.event.Event) -> Action | None:
    if event.key in (pygame.K_RETURN, pygame.K_KP_ENTER) and event.mod & pygame.KMOD_ALT:
        return Action("fullscreen")
    return KEYS.get(event.key)


def poll(ui: Ui) -> list[Action]:
    """Drain the event queue: widgets see every event first; the rest become actions."""
    actions: list[Action] = []
    for event in pygame.event.get():
        if event.type == pygame.QUIT:
            actions.append(Action("quit"))
            continue
        if event.type == pygame.VIDEORESIZE:
            actions.append(Action("resize", (event.w, event.h)))
            continue
        consumed = ui.manager.process_events(event)
        actions.extend(ui.take_emitted())
        if consumed:
            continue
        if event.type == pygame.KEYDOWN:
            a = action_of_key(event)
            if a is not None:
                actions.append(a)
        elif event.type == pygame.MOUSEBUTTONDOWN and event.button == 1:
            actions.append(Action("click", tuple(event.pos)))
        elif event.type == pygame.MOUSEWHEEL:
            actions.append(Action("page", -1 if event.y > 0 else 1))
    return actions
