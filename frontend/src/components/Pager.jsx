// Previous/next page controls under a paged list; `onPage` gets the page to show. Hidden when there is one page.
export default function Pager({ page, pages, onPage, className = 'flex items-center gap-3' }) {
  if (pages <= 1) return null;
  return (
    <nav aria-label="Pages" className={className}>
      <button type="button" className="btn-secondary" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        Previous page
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button type="button" className="btn-secondary" disabled={page >= pages} onClick={() => onPage(page + 1)}>
        Next page
      </button>
    </nav>
  );
}
