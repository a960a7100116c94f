;;; eglot.el --- drives Emacs's built-in Eglot against the Kube IP Guard server  -*- lexical-binding: t -*-
;; Run as `emacs -nw -Q -l eglot.el' under tmux (batch mode runs no idle timers, so Eglot would never send its
;; changes). Writes what Emacs saw to the JSON file $KIG_RESULT: 0-based lines, columns in characters (code points).
(require 'eglot)
(require 'json)
(require 'cl-lib)

(defvar kig-files (getenv "KIG_FILES"))
(defvar kig-bound 30)
(defvar kig-result (list (cons 'client "Emacs Eglot")
                         (cons 'version (format "%s, Eglot %s" emacs-version
                                                (with-temp-buffer
                                                  (insert-file-contents (find-library-name "eglot"))
                                                  (if (re-search-forward "^;; Version: \\(.*\\)$" nil t) (match-string 1) "?"))))
                         (cons 'files nil) (cons 'errors nil)
                         (cons 'afterConfigMoved -1) (cons 'afterConfigRestored -1)))

(defun kig-set (key value) (setf (alist-get key kig-result) value))
(defun kig-fail (msg) (kig-set 'errors (append (alist-get 'errors kig-result) (list msg))))

(define-derived-mode kig-yaml-mode prog-mode "YAML" "YAML, as far as these tests need it.")
(add-to-list 'auto-mode-alist '("\\.yaml\\'" . kig-yaml-mode))
(setq eglot-server-programs
      `(((kig-yaml-mode :language-id "yaml") . ("node" ,(getenv "KIG_SERVER") "--stdio"))))
(setq-default eglot-workspace-configuration '(:kubeIpGuard (:cluster (:mode "off"))))
(setq eglot-sync-connect kig-bound eglot-connect-timeout kig-bound eglot-autoshutdown nil)

(defun kig-wait (pred what)
  "Let Emacs run (timers, process output, file notifications) until PRED holds, or fail after `kig-bound' seconds."
  (let ((deadline (+ (float-time) kig-bound)))
    (while (and (not (funcall pred)) (< (float-time) deadline))
      (sit-for 0.05))
    (or (funcall pred) (progn (kig-fail what) nil))))

(defun kig-ours ()
  (cl-loop for d in (flymake-diagnostics)
           when (eq (flymake-diagnostic-backend d) 'eglot-flymake-backend)
           collect (let ((beg (flymake-diagnostic-beg d)) (end (flymake-diagnostic-end d)))
                     (cl-flet ((pos (p) (save-excursion (goto-char p)
                                                        (cons (1- (line-number-at-pos)) (- p (line-beginning-position))))))
                       (let ((b (pos beg)) (e (pos end)))
                         (list (cons 'line (car b)) (cons 'col (cdr b)) (cons 'endLine (car e)) (cons 'endCol (cdr e))
                               (cons 'message (flymake-diagnostic-text d))))))))

(defun kig-wait-count (n what)
  (kig-wait (lambda () (= (length (kig-ours)) n))
            (format "%s: %d diagnostics after %d s, not %d" what (length (kig-ours)) kig-bound n))
  (length (kig-ours)))

(defun kig-write (path text) (with-temp-file path (insert text)))

(defun kig-check (name config-test)
  (find-file (expand-file-name name kig-files))
  ;; What M-x eglot does in the first buffer of a project; later buffers of that project are managed on their own.
  (unless (eglot-current-server) (apply #'eglot--connect (eglot--guess-contact)))
  (kig-wait (lambda () (eglot-current-server)) (concat name ": Eglot did not connect"))
  (let ((r (list (cons 'diagnostics nil) (cons 'hover "") (cons 'actions nil) (cons 'fixedText "")
                 (cons 'diagnosticsAfterFix -1))))
    (kig-wait-count 1 (concat name " opened"))
    (setf (alist-get 'diagnostics r) (kig-ours))
    (let ((d (car (kig-ours))))
      (when d
        (goto-char (point-min))
        (forward-line (alist-get 'line d))
        (forward-char (alist-get 'col d))
        (let* ((hover (jsonrpc-request (eglot-current-server) :textDocument/hover (eglot--TextDocumentPositionParams)))
               (contents (plist-get hover :contents)))
          (if (stringp contents) (setf (alist-get 'hover r) contents)
            (setf (alist-get 'hover r) (or (plist-get contents :value) (format "%S" contents)))
            (setf (alist-get 'hoverKind r) (plist-get contents :kind))))
        (when config-test
          (let ((config (expand-file-name ".kube-ip-guard.yaml" kig-files)) (here (point)))
            (kig-write config (getenv "KIG_MOVED_CONFIG"))
            (kig-set 'afterConfigMoved (kig-wait-count 0 "config moved k8s-node-1"))
            (kig-write config (getenv "KIG_CONFIG"))
            (kig-set 'afterConfigRestored (kig-wait-count 1 "config restored"))
            (goto-char here)))
        ;; What M-x eglot-code-actions asks at point (the diagnostics Eglot got from the server go back with it).
        (let* ((actions (apply #'eglot-code-actions (eglot--code-action-bounds)))
               (chosen (cl-find-if (lambda (a) (string-prefix-p "Remove this address" (plist-get a :title))) actions)))
          (setf (alist-get 'actions r) (mapcar (lambda (a) (plist-get a :title)) actions))
          (if (not chosen) (kig-fail (concat name ": no \"Remove this address\""))
            (eglot-execute (eglot-current-server) chosen)
            (setf (alist-get 'fixedText r) (buffer-substring-no-properties (point-min) (point-max)))
            (setf (alist-get 'diagnosticsAfterFix r) (kig-wait-count 0 (concat name " fixed")))))))
    (kig-set 'files (cons (cons (intern name) r) (alist-get 'files kig-result)))))

(defun kig-run ()
  (condition-case err
      (progn
        (kig-check "deployment.yaml" t)
        (kig-set 'encoding (format "%s" (or (plist-get (eglot--capabilities (eglot-current-server)) :positionEncoding) "utf-16")))
        (kig-check "multibyte.yaml" nil))
    (error (kig-fail (format "%S" err))))
  (ignore-errors (let ((eglot-autoshutdown t)) (eglot-shutdown-all)))
  (let ((out (getenv "KIG_RESULT")) (json-encoding-pretty-print nil))
    (kig-write (concat out ".part") (json-encode kig-result))
    (rename-file (concat out ".part") out t))
  (kill-emacs 0))

(add-hook 'emacs-startup-hook (lambda () (run-with-timer 0.2 nil #'kig-run)))
