import { Route, Routes } from 'react-router-dom';

import Heading from '../../components/Heading.jsx';
import { usePage } from '../../utils/page.js';
import ClassPractice from './ClassPractice.jsx';
import Dashboard from './Dashboard.jsx';
import PlanDetail from './PlanDetail.jsx';
import PlanForm from './PlanForm.jsx';
import PlanList from './PlanList.jsx';
import PlanPrint from './PlanPrint.jsx';

function NotInstructor() {
  const heading = usePage('Class plans');
  return (
    <div className="flex flex-col gap-3">
      <Heading ref={heading}>Class plans</Heading>
      <p>Class plans are for instructor accounts. Ask an administrator to make your account an instructor account.</p>
    </div>
  );
}

// The instructor's pages, one lazily loaded chunk (App.jsx mounts it at /instructor/*).
export default function InstructorRoutes({ user }) {
  if (user && !user.is_instructor) return <NotInstructor />;
  return (
    <Routes>
      <Route index element={<Dashboard />} />
      <Route path="plans" element={<PlanList />} />
      <Route path="plans/new" element={<PlanForm />} />
      <Route path="plans/:planId" element={<PlanDetail />} />
      <Route path="plans/:planId/edit" element={<PlanForm />} />
      <Route path="plans/:planId/print" element={<PlanPrint />} />
      <Route path="plans/:planId/practice" element={<ClassPractice />} />
    </Routes>
  );
}
